/* The pre-meeting checklist: rows of "[x] Label   hint", one item under a cursor. */
#include "widgets/checklist.h"

#include <glib.h>

#include "themes/theme.h"
#include "widgets/cells.h"
#include "widgets/draw.h"

struct checklist_item {
    char *label;
    char *hint; /* NULL: none */
    bool checked;
};

struct checklist {
    struct widget base;
    struct checklist_item *items;
    int n, cap;
    int cursor;
    int top; /* first row shown when there are more items than rows */
};

static void checklist_draw(struct widget *w, WINDOW *win, bool focused)
{
    struct checklist *c = (struct checklist *)w;
    if (c->cursor < c->top)
        c->top = c->cursor;
    if (c->cursor >= c->top + w->h)
        c->top = c->cursor - w->h + 1;

    /* Labels line up in one column so the hints start together. */
    int labw = 0;
    for (int i = 0; i < c->n; i++) {
        int lw = (int)cells_width(c->items[i].label);
        labw = lw > labw ? lw : labw;
    }
    for (int r = 0; r < w->h; r++) {
        int y = w->y + r, i = c->top + r;
        if (i >= c->n) {
            draw_blank(win, y, w->x, w->w, theme_attr(THEME_NORMAL));
            continue;
        }
        const struct checklist_item *it = &c->items[i];
        bool sel = focused && i == c->cursor;
        attr_t item = theme_attr(sel ? THEME_SELECTED
                                     : it->checked ? THEME_ITEM_DONE : THEME_ITEM_TODO);
        attr_t hint = theme_attr(sel ? THEME_SELECTED : THEME_HINT);
        int x = w->x, left = w->w;
        int n = draw_put(win, y, x, left, it->checked ? "[x] " : "[ ] ", item);
        x += n, left -= n;
        n = labw < left ? labw : left;
        draw_text(win, y, x, n, it->label, item);
        x += n, left -= n;
        n = left < 2 ? left : 2;
        draw_blank(win, y, x, n, hint);
        x += n, left -= n;
        draw_text(win, y, x, left, it->hint ? it->hint : "", hint);
    }
}

static int checklist_on_key(struct widget *w, struct key k)
{
    struct checklist *c = (struct checklist *)w;
    if (c->n == 0)
        return WIDGET_IGNORED;
    int id = key_id(k), to;
    if (id == KEYCODE(KEY_UP) || id == 'k')
        to = c->cursor - 1;
    else if (id == KEYCODE(KEY_DOWN) || id == 'j')
        to = c->cursor + 1;
    else if (id == KEYCODE(KEY_HOME))
        to = 0;
    else if (id == KEYCODE(KEY_END))
        to = c->n - 1;
    else if (id == ' ') {
        c->items[c->cursor].checked = !c->items[c->cursor].checked;
        widget_mark_dirty(w);
        return WIDGET_HANDLED | WIDGET_CHANGED;
    } else
        return WIDGET_IGNORED;
    /* Moving past either end stays put, but the key is still the list's. */
    if (to >= 0 && to < c->n && to != c->cursor) {
        c->cursor = to;
        widget_mark_dirty(w);
    }
    return WIDGET_HANDLED;
}

static void checklist_destroy(struct widget *w)
{
    struct checklist *c = (struct checklist *)w;
    for (int i = 0; i < c->n; i++) {
        g_free(c->items[i].label);
        g_free(c->items[i].hint);
    }
    g_free(c->items);
    g_free(c);
}

static const struct widget_class checklist_class = {
    .name = "checklist",
    .draw = checklist_draw,
    .on_key = checklist_on_key,
    .destroy = checklist_destroy,
};

struct checklist *checklist_new(void)
{
    struct checklist *c = g_new0(struct checklist, 1);
    widget_init(&c->base, &checklist_class);
    return c;
}

struct widget *checklist_widget(struct checklist *c)
{
    return &c->base;
}

int checklist_add(struct checklist *c, const char *label, const char *hint)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4;
        c->items = g_renew(struct checklist_item, c->items, c->cap);
    }
    c->items[c->n] = (struct checklist_item){g_strdup(label ? label : ""), g_strdup(hint),
                                             false};
    widget_mark_dirty(&c->base);
    return c->n++;
}

void checklist_set_hint(struct checklist *c, int i, const char *hint)
{
    if (i < 0 || i >= c->n)
        return;
    g_free(c->items[i].hint);
    c->items[i].hint = g_strdup(hint);
    widget_mark_dirty(&c->base);
}

bool checklist_checked(const struct checklist *c, int i)
{
    return i >= 0 && i < c->n && c->items[i].checked;
}

void checklist_set_checked(struct checklist *c, int i, bool on)
{
    if (i < 0 || i >= c->n || c->items[i].checked == on)
        return;
    c->items[i].checked = on;
    widget_mark_dirty(&c->base);
}

int checklist_count(const struct checklist *c)
{
    return c->n;
}

bool checklist_all_checked(const struct checklist *c)
{
    for (int i = 0; i < c->n; i++)
        if (!c->items[i].checked)
            return false;
    return true;
}

int checklist_cursor(const struct checklist *c)
{
    return c->cursor;
}
