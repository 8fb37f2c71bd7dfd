/* A modal dialog: a bordered box with a title, a wrapped message and a row of buttons. */
#include "widgets/dialog.h"

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <glib.h>

#include "themes/theme.h"
#include "widgets/cells.h"
#include "widgets/draw.h"

#define DIALOG_TEXT_MAX 56 /* widest message line, in cells, before wrapping */
#define BUTTON_GAP 2

struct dialog {
    struct widget base;
    int tag;
    char *title, *message;
    char **buttons;
    int n, focus, choice;
};

/* "[ Yes ]" takes its label's width and four cells. */
static int button_width(const char *label)
{
    return (int)cells_width(label) + 4;
}

static int buttons_width(const struct dialog *d)
{
    int total = 0;
    for (int i = 0; i < d->n; i++)
        total += button_width(d->buttons[i]) + (i ? BUTTON_GAP : 0);
    return total;
}

/* The widest line the message has before wrapping. */
static int message_width(const char *m)
{
    size_t widest = 0;
    for (;;) {
        const char *nl = strchr(m, '\n');
        size_t len = nl ? (size_t)(nl - m) : strlen(m);
        size_t lw = cells_width_n(m, len);
        widest = lw > widest ? lw : widest;
        if (nl == NULL)
            return (int)widest;
        m = nl + 1;
    }
}

static void draw_buttons(const struct dialog *d, WINDOW *win, int y, int x, int avail)
{
    int total = buttons_width(d);
    if (total < avail)
        x += (avail - total) / 2;
    for (int i = 0; i < d->n && avail > 0; i++) {
        int n;
        if (i) {
            n = draw_put(win, y, x, avail < BUTTON_GAP ? avail : BUTTON_GAP, "  ",
                         theme_attr(THEME_DIALOG));
            x += n, avail -= n;
        }
        char *label = g_strdup_printf("[ %s ]", d->buttons[i]);
        n = draw_put(win, y, x, avail, label,
                     theme_attr(i == d->focus ? THEME_BUTTON_FOCUS : THEME_BUTTON));
        g_free(label);
        x += n, avail -= n;
    }
}

static void dialog_draw(struct widget *w, WINDOW *win, bool focused)
{
    struct dialog *d = (struct dialog *)w;
    attr_t body = theme_attr(THEME_DIALOG);

    /* Too small for a border: the buttons alone, on the middle line. */
    if (w->h < 3 || w->w < 6) {
        draw_blank(win, w->y + w->h / 2, w->x, w->w, body);
        draw_buttons(d, win, w->y + w->h / 2, w->x, w->w);
        return;
    }
    int text_w = (int)cells_width(d->title) + 4;
    int mw = message_width(d->message);
    mw = mw > DIALOG_TEXT_MAX ? DIALOG_TEXT_MAX : mw;
    text_w = mw > text_w ? mw : text_w;
    int bw = buttons_width(d);
    text_w = bw > text_w ? bw : text_w;
    if (text_w > w->w - 4)
        text_w = w->w - 4;

    struct cells_line *lines;
    int nlines = (int)cells_wrap(d->message, (size_t)text_w, &lines);
    if (lines == NULL)
        nlines = 0;
    /* border, blank, message, blank, buttons, border: the blanks go first when short, the
     * top one before the one above the buttons. */
    int blanks = 2;
    while (blanks > 0 && nlines + blanks + 3 > w->h)
        blanks--;
    int shown = w->h - blanks - 3;
    shown = nlines < shown ? nlines : shown;
    int box_h = shown + blanks + 3, box_w = text_w + 4;
    int y0 = w->y + (w->h - box_h) / 2, x0 = w->x + (w->w - box_w) / 2;

    for (int r = 1; r < box_h - 1; r++)
        draw_blank(win, y0 + r, x0 + 1, box_w - 2, body);
    draw_box(win, y0, x0, box_h, box_w, theme_attr(THEME_BORDER), d->title,
             theme_attr(THEME_TITLE), NULL);
    int y = y0 + 1 + (blanks == 2);
    for (int i = 0; i < shown; i++)
        draw_textn(win, y + i, x0 + 2, text_w, d->message + lines[i].start, lines[i].len,
                   body);
    free(lines);
    draw_buttons(d, win, y0 + box_h - 2, x0 + 2, text_w);
}

/* The first character of s, lower-cased (0 for an empty string). */
static wint_t first_lower(const char *s)
{
    if (*s == '\0')
        return 0;
    unsigned cp;
    cells_decode(s, strlen(s), &cp);
    return towlower((wint_t)cp);
}

static int dialog_on_key(struct widget *w, struct key k)
{
    struct dialog *d = (struct dialog *)w;
    int id = key_id(k);
    if (id == KEYCODE(KEY_RESIZE)) /* the screen lays everything out again */
        return WIDGET_IGNORED;
    if (id == 27) {
        d->choice = -1;
        return WIDGET_HANDLED | WIDGET_CANCEL;
    }
    if (id == '\n' || id == '\r' || id == KEYCODE(KEY_ENTER)) {
        d->choice = d->focus;
        return WIDGET_HANDLED | WIDGET_ACTIVATE;
    }
    int step = 0;
    if (id == KEYCODE(KEY_LEFT) || id == KEYCODE(KEY_BTAB))
        step = -1;
    else if (id == KEYCODE(KEY_RIGHT) || id == '\t')
        step = 1;
    if (step) {
        d->focus = (d->focus + step + d->n) % d->n;
        widget_mark_dirty(w);
        return WIDGET_HANDLED;
    }
    if (!k.is_code && iswalpha(k.value)) {
        for (int i = 0; i < d->n; i++)
            if (first_lower(d->buttons[i]) == towlower(k.value)) {
                d->focus = d->choice = i;
                widget_mark_dirty(w);
                return WIDGET_HANDLED | WIDGET_ACTIVATE;
            }
    }
    return WIDGET_HANDLED; /* modal: nothing reaches the screen behind */
}

static void dialog_destroy(struct widget *w)
{
    struct dialog *d = (struct dialog *)w;
    g_free(d->title);
    g_free(d->message);
    g_strfreev(d->buttons);
    g_free(d);
}

static const struct widget_class dialog_class = {
    .name = "dialog",
    .draw = dialog_draw,
    .on_key = dialog_on_key,
    .destroy = dialog_destroy,
};

struct dialog *dialog_new(int tag, const char *title, const char *message,
                          const char *const *buttons, int focus)
{
    static const char *const ok[] = {"OK", NULL};
    struct dialog *d = g_new0(struct dialog, 1);
    widget_init(&d->base, &dialog_class);
    d->tag = tag;
    d->title = g_strdup(title ? title : "");
    d->message = g_strdup(message ? message : "");
    if (buttons == NULL || buttons[0] == NULL)
        buttons = ok;
    d->buttons = g_strdupv((char **)buttons);
    d->n = (int)g_strv_length(d->buttons);
    d->focus = focus < 0 ? 0 : focus >= d->n ? d->n - 1 : focus;
    d->choice = -1;
    return d;
}

struct widget *dialog_widget(struct dialog *d)
{
    return &d->base;
}

int dialog_tag(const struct dialog *d)
{
    return d->tag;
}

int dialog_choice(const struct dialog *d)
{
    return d->choice;
}
