/* The session sidebar: a title, "Label  value" rows and headed paragraphs, wrapped in cells
 * to the panel's width, behind a left border; scrolls when it does not fit. */
#include "widgets/sidebar.h"

#include <stdlib.h>

#include <glib.h>

#include "themes/theme.h"
#include "widgets/cells.h"
#include "widgets/draw.h"

/* Values narrower than this go under their label instead of beside it. */
#define SIDEBAR_MIN_VALUE 10

struct sidebar_entry {
    char *label; /* a row's label, or a paragraph's heading */
    char *text;
    bool paragraph;
};

struct sidebar {
    struct widget base;
    char *title;
    struct sidebar_entry *entries;
    int n, cap;
    int top; /* first body line shown */
};

/* One body line on screen: an optional label at the left, a byte range of text at col. */
struct sidebar_line {
    const char *label;
    const char *text;
    size_t len;
    int col;
};

struct layout {
    struct sidebar_line *lines;
    int n, cap;
    int label_w; /* the label column of side-by-side rows */
};

static void layout_add(struct layout *l, const char *label, const char *text, size_t len,
                       int col)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->lines = g_renew(struct sidebar_line, l->lines, l->cap);
    }
    l->lines[l->n++] = (struct sidebar_line){label, text, len, col};
}

/* Adds text wrapped to `cells` at column col, the first line beside label (may be NULL). */
static void layout_wrapped(struct layout *l, const char *label, const char *text, int cells,
                           int col)
{
    struct cells_line *wrapped;
    size_t n = cells_wrap(text, (size_t)(cells < 1 ? 1 : cells), &wrapped);
    if (wrapped == NULL) {
        layout_add(l, label, "", 0, col);
        return;
    }
    for (size_t i = 0; i < n; i++)
        layout_add(l, i == 0 ? label : NULL, text + wrapped[i].start, wrapped[i].len, col);
    free(wrapped);
}

/* The body (everything under the title) laid out for a panel `width` cells wide: a border
 * cell and a blank cell, then the content. */
static struct layout sidebar_layout(const struct sidebar *s, int width)
{
    struct layout l = {0};
    int cw = width - 2;
    cw = cw < 1 ? 1 : cw;
    for (int i = 0; i < s->n; i++)
        if (!s->entries[i].paragraph) {
            int lw = (int)cells_width(s->entries[i].label);
            l.label_w = lw > l.label_w ? lw : l.label_w;
        }
    if (l.label_w > cw / 2)
        l.label_w = cw / 2;
    int value_w = cw - l.label_w - 2;
    for (int i = 0; i < s->n; i++) {
        const struct sidebar_entry *e = &s->entries[i];
        if (e->paragraph) {
            if (l.n > 0)
                layout_add(&l, NULL, "", 0, 0);
            layout_add(&l, e->label, "", 0, 0);
            layout_wrapped(&l, NULL, e->text, cw, 0);
        } else if (value_w >= SIDEBAR_MIN_VALUE) {
            layout_wrapped(&l, e->label, e->text, value_w, l.label_w + 2);
        } else {
            layout_add(&l, e->label, "", 0, 0);
            layout_wrapped(&l, NULL, e->text, cw - 2, 2);
        }
    }
    return l;
}

int sidebar_content_height(const struct sidebar *s, int width)
{
    struct layout l = sidebar_layout(s, width);
    g_free(l.lines);
    return 1 + l.n;
}

static void sidebar_draw(struct widget *w, WINDOW *win, bool focused)
{
    struct sidebar *s = (struct sidebar *)w;
    struct layout l = sidebar_layout(s, w->w);
    int rows = w->h - 1, cw = w->w - 2;
    int max_top = l.n > rows ? l.n - rows : 0;
    s->top = s->top > max_top ? max_top : s->top;
    attr_t body = theme_attr(THEME_SIDEBAR), label = theme_attr(THEME_SIDEBAR_LABEL);
    attr_t border = theme_attr(THEME_BORDER);

    /* The border shows an arrow where there is more to scroll to. */
    cchar_t edge = draw_line_char(WACS_VLINE, border);
    cchar_t up = draw_line_char(WACS_UARROW, border);
    cchar_t down = draw_line_char(WACS_DARROW, border);
    wattrset(win, (int)border);
    mvwvline_set(win, w->y, w->x, &edge, w->h);
    if (s->top > 0 && rows > 0)
        mvwadd_wch(win, w->y + 1, w->x, &up);
    if (s->top < max_top)
        mvwadd_wch(win, w->y + w->h - 1, w->x, &down);

    draw_blank(win, w->y, w->x + 1, w->w - 1, body);
    draw_text(win, w->y, w->x + 2, cw, s->title, theme_attr(THEME_TITLE));
    for (int r = 0; r < rows; r++) {
        int y = w->y + 1 + r, x = w->x + 2;
        draw_blank(win, y, w->x + 1, w->w - 1, body);
        if (s->top + r >= l.n)
            continue;
        const struct sidebar_line *line = &l.lines[s->top + r];
        int col = line->col < cw ? line->col : cw;
        if (line->label)
            draw_text(win, y, x, col ? col : cw, line->label, label);
        else
            draw_blank(win, y, x, col, body);
        if (col < cw && (col > 0 || !line->label))
            draw_textn(win, y, x + col, cw - col, line->text, line->len, body);
    }
    g_free(l.lines);
}

static int sidebar_on_key(struct widget *w, struct key k)
{
    struct sidebar *s = (struct sidebar *)w;
    int rows = w->h - 1;
    int id = key_id(k), to;
    if (id == KEYCODE(KEY_UP) || id == 'k')
        to = s->top - 1;
    else if (id == KEYCODE(KEY_DOWN) || id == 'j')
        to = s->top + 1;
    else if (id == KEYCODE(KEY_PPAGE))
        to = s->top - (rows > 1 ? rows - 1 : 1);
    else if (id == KEYCODE(KEY_NPAGE))
        to = s->top + (rows > 1 ? rows - 1 : 1);
    else
        return WIDGET_IGNORED;
    struct layout l = sidebar_layout(s, w->w);
    g_free(l.lines);
    if (rows < 1 || l.n <= rows) /* it all shows: the keys are the screen's */
        return WIDGET_IGNORED;
    int max_top = l.n - rows;
    to = to < 0 ? 0 : to > max_top ? max_top : to;
    if (to != s->top) {
        s->top = to;
        widget_mark_dirty(w);
    }
    return WIDGET_HANDLED;
}

static void sidebar_destroy(struct widget *w)
{
    struct sidebar *s = (struct sidebar *)w;
    sidebar_clear(s);
    g_free(s->entries);
    g_free(s->title);
    g_free(s);
}

static const struct widget_class sidebar_class = {
    .name = "sidebar",
    .draw = sidebar_draw,
    .on_key = sidebar_on_key,
    .destroy = sidebar_destroy,
};

struct sidebar *sidebar_new(const char *title)
{
    struct sidebar *s = g_new0(struct sidebar, 1);
    widget_init(&s->base, &sidebar_class);
    s->title = g_strdup(title ? title : "");
    return s;
}

struct widget *sidebar_widget(struct sidebar *s)
{
    return &s->base;
}

void sidebar_clear(struct sidebar *s)
{
    for (int i = 0; i < s->n; i++) {
        g_free(s->entries[i].label);
        g_free(s->entries[i].text);
    }
    s->n = 0;
    widget_mark_dirty(&s->base);
}

static void sidebar_append(struct sidebar *s, const char *label, const char *text,
                           bool paragraph)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->entries = g_renew(struct sidebar_entry, s->entries, s->cap);
    }
    s->entries[s->n++] = (struct sidebar_entry){g_strdup(label ? label : ""),
                                                g_strdup(text ? text : ""), paragraph};
    widget_mark_dirty(&s->base);
}

void sidebar_add(struct sidebar *s, const char *label, const char *value)
{
    sidebar_append(s, label, value, false);
}

void sidebar_add_text(struct sidebar *s, const char *heading, const char *text)
{
    sidebar_append(s, heading, text, true);
}
