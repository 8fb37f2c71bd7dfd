/* The help overlay: every key of a screen's table with its sentence, in a centred box. */
#include "widgets/help.h"

#include <stdlib.h>

#include <glib.h>

#include "themes/theme.h"
#include "widgets/cells.h"
#include "widgets/draw.h"

#define HELP_TEXT_MAX 72 /* widest box inside, in cells */
#define HELP_FOOTER "any key closes"
#define HELP_FOOTER_SCROLL "Up/Down scroll, any other key closes"

struct help {
    struct widget base;
    char *title;
    const struct keydef *defs;
    size_t n;
    int top; /* first line shown */
};

struct help_line {
    const char *name; /* on a key's first line, else NULL */
    const char *text;
    size_t len;
};

/* The box and its lines for the widget's current rectangle. */
struct help_layout {
    int y, x, h, w;   /* the box, border included */
    int name_w;       /* the key column */
    int rows;         /* lines visible inside */
    struct help_line *lines;
    int n;
};

static const char *def_name(const struct keydef *d)
{
    return d->name ? d->name : "";
}

static const char *def_text(const struct keydef *d)
{
    return d->help ? d->help : d->label ? d->label : "";
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static struct help_layout help_layout(const struct help *hp)
{
    const struct widget *w = &hp->base;
    struct help_layout l = {0};
    int text_w = 0;
    for (size_t i = 0; i < hp->n; i++) {
        l.name_w = max_int(l.name_w, (int)cells_width(def_name(&hp->defs[i])));
        text_w = max_int(text_w, (int)cells_width(def_text(&hp->defs[i])));
    }
    int avail = w->w - 4; /* border and a blank each side */
    if (avail > HELP_TEXT_MAX)
        avail = HELP_TEXT_MAX;
    if (l.name_w > avail / 3)
        l.name_w = avail / 3;
    int inner = max_int(l.name_w + 2 + text_w, (int)cells_width(hp->title) + 4);
    inner = max_int(inner, (int)cells_width(HELP_FOOTER) + 4);
    inner = inner < avail ? inner : avail;
    inner = max_int(inner, 1);
    text_w = max_int(inner - l.name_w - 2, 1);

    int cap = 0;
    for (size_t i = 0; i < hp->n; i++) {
        const char *text = def_text(&hp->defs[i]);
        struct cells_line *wrapped;
        size_t nw = cells_wrap(text, (size_t)text_w, &wrapped);
        if (wrapped == NULL)
            continue;
        for (size_t j = 0; j < nw; j++) {
            if (l.n == cap) {
                cap = cap ? cap * 2 : 32;
                l.lines = g_renew(struct help_line, l.lines, cap);
            }
            l.lines[l.n++] = (struct help_line){j == 0 ? def_name(&hp->defs[i]) : NULL,
                                                text + wrapped[j].start, wrapped[j].len};
        }
        free(wrapped);
    }
    l.rows = l.n < w->h - 2 ? l.n : w->h - 2;
    l.rows = max_int(l.rows, 0);
    l.h = l.rows + 2;
    l.w = inner + 4;
    l.y = w->y + (w->h - l.h) / 2;
    l.x = w->x + (w->w - l.w) / 2;
    return l;
}

static void help_draw(struct widget *w, WINDOW *win, bool focused)
{
    struct help *hp = (struct help *)w;
    attr_t body = theme_attr(THEME_DIALOG);
    if (w->h < 3 || w->w < 6) { /* no room for a box: the title says what this is */
        draw_text(win, w->y + w->h / 2, w->x, w->w, hp->title, theme_attr(THEME_TITLE));
        return;
    }
    struct help_layout l = help_layout(hp);
    int max_top = l.n - l.rows;
    hp->top = hp->top > max_top ? max_top : hp->top;
    hp->top = hp->top < 0 ? 0 : hp->top;
    int inner = l.w - 4;
    draw_box(win, l.y, l.x, l.h, l.w, theme_attr(THEME_BORDER), hp->title,
             theme_attr(THEME_TITLE), l.n > l.rows ? HELP_FOOTER_SCROLL : HELP_FOOTER);
    for (int r = 0; r < l.rows; r++) {
        const struct help_line *line = &l.lines[hp->top + r];
        int y = l.y + 1 + r, x = l.x + 1;
        draw_blank(win, y, x, 1, body);
        draw_text(win, y, x + 1, l.name_w, line->name ? line->name : "", theme_attr(THEME_KEY));
        int text_x = l.name_w + 2 < inner ? l.name_w + 2 : inner;
        draw_blank(win, y, x + 1 + l.name_w, text_x - l.name_w, body);
        draw_textn(win, y, x + 1 + text_x, inner - text_x, line->text, line->len, body);
        draw_blank(win, y, l.x + l.w - 2, 1, body);
    }
    g_free(l.lines);
}

static int help_on_key(struct widget *w, struct key k)
{
    struct help *hp = (struct help *)w;
    int id = key_id(k);
    if (id == KEYCODE(KEY_RESIZE)) /* not the user's key: the screen lays out again */
        return WIDGET_IGNORED;
    struct help_layout l = help_layout(hp);
    g_free(l.lines);
    int page = l.rows > 1 ? l.rows - 1 : 1, to;
    if (id == KEYCODE(KEY_UP) || id == 'k')
        to = hp->top - 1;
    else if (id == KEYCODE(KEY_DOWN) || id == 'j')
        to = hp->top + 1;
    else if (id == KEYCODE(KEY_PPAGE))
        to = hp->top - page;
    else if (id == KEYCODE(KEY_NPAGE))
        to = hp->top + page;
    else
        return WIDGET_HANDLED | WIDGET_CANCEL;
    if (l.n <= l.rows) /* it all shows: nothing to scroll, so these close it too */
        return WIDGET_HANDLED | WIDGET_CANCEL;
    int max_top = l.n - l.rows;
    to = to < 0 ? 0 : to > max_top ? max_top : to;
    if (to != hp->top) {
        hp->top = to;
        widget_mark_dirty(w);
    }
    return WIDGET_HANDLED;
}

static void help_destroy(struct widget *w)
{
    struct help *hp = (struct help *)w;
    g_free(hp->title);
    g_free(hp);
}

static const struct widget_class help_class = {
    .name = "help",
    .draw = help_draw,
    .on_key = help_on_key,
    .destroy = help_destroy,
};

struct help *help_new(const char *title, const struct keydef *defs, size_t n)
{
    struct help *hp = g_new0(struct help, 1);
    widget_init(&hp->base, &help_class);
    hp->title = g_strdup(title ? title : "Keys");
    hp->defs = defs;
    hp->n = n;
    return hp;
}

struct widget *help_widget(struct help *h)
{
    return &h->base;
}
