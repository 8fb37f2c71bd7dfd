/* The function-key bar: "Enter Join  Space Tick  ? Help" on one line, from a key table. */
#include "widgets/keybar.h"

#include <glib.h>

#include "themes/theme.h"
#include "widgets/cells.h"
#include "widgets/draw.h"

#define KEYBAR_GAP 2

struct keybar {
    struct widget base;
    const struct keydef *defs;
    size_t n;
    bool *hidden; /* one per entry of defs */
};

static void keybar_draw(struct widget *w, WINDOW *win, bool focused)
{
    struct keybar *b = (struct keybar *)w;
    attr_t key = theme_attr(THEME_KEY), label = theme_attr(THEME_KEY_LABEL);
    for (int r = 0; r < w->h; r++)
        draw_blank(win, w->y + r, w->x, w->w, label);
    int x = w->x, left = w->w;
    for (size_t i = 0; i < b->n; i++) {
        const struct keydef *d = &b->defs[i];
        if (!d->in_bar || b->hidden[i])
            continue;
        const char *name = d->name ? d->name : "", *text = d->label ? d->label : "";
        int kw = (int)cells_width(name), lw = (int)cells_width(text);
        int gap = x > w->x ? KEYBAR_GAP : 0;
        /* A later, shorter entry may still fit where this one does not. */
        if (gap + kw + 1 + lw > left)
            continue;
        x += gap, left -= gap;
        draw_text(win, w->y, x, kw, name, key);
        draw_text(win, w->y, x + kw + 1, lw, text, label);
        x += kw + 1 + lw, left -= kw + 1 + lw;
    }
}

static void keybar_destroy(struct widget *w)
{
    g_free(((struct keybar *)w)->hidden);
    g_free(w);
}

static const struct widget_class keybar_class = {
    .name = "keybar",
    .draw = keybar_draw,
    .destroy = keybar_destroy,
};

struct keybar *keybar_new(const struct keydef *defs, size_t n)
{
    struct keybar *b = g_new0(struct keybar, 1);
    widget_init(&b->base, &keybar_class);
    b->defs = defs;
    b->n = n;
    b->hidden = g_new0(bool, n ? n : 1);
    return b;
}

void keybar_hide(struct keybar *b, int action, bool hidden)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->defs[i].action == action && b->hidden[i] != hidden) {
            b->hidden[i] = hidden;
            if (b->defs[i].in_bar)
                widget_mark_dirty(&b->base);
        }
    }
}

struct widget *keybar_widget(struct keybar *b)
{
    return &b->base;
}
