/* The star rating: "[★ ★ ★ ☆ ☆]  3/5 Good", the brackets showing focus. */
#include "widgets/stars.h"

#include <stdio.h>

#include <glib.h>

#include "themes/theme.h"
#include "widgets/draw.h"

#define STARS_MAX 9 /* one digit key per star */

struct stars {
    struct widget base;
    int value, max;
};

const char *stars_label(int value, int max)
{
    static const char *const names[] = {"Poor", "Fair", "Good", "Very good", "Excellent"};
    return max == 5 && value >= 1 && value <= 5 ? names[value - 1] : "";
}

static void stars_draw(struct widget *w, WINDOW *win, bool focused)
{
    struct stars *s = (struct stars *)w;
    attr_t normal = theme_attr(THEME_NORMAL);
    attr_t bracket = focused ? theme_attr(THEME_SELECTED) : normal;
    int x = w->x, left = w->w, n;

    /* The brackets are blanks when unfocused, so nothing moves when focus comes and goes. */
    n = draw_put(win, w->y, x, left, focused ? "[" : " ", bracket);
    x += n, left -= n;
    for (int i = 1; i <= s->max; i++) {
        if (i > 1) {
            n = draw_put(win, w->y, x, left, " ", normal);
            x += n, left -= n;
        }
        bool on = i <= s->value;
        n = draw_put(win, w->y, x, left, on ? "★" : "☆",
                     theme_attr(on ? THEME_STAR_ON : THEME_STAR_OFF));
        x += n, left -= n;
    }
    n = draw_put(win, w->y, x, left, focused ? "]" : " ", bracket);
    x += n, left -= n;

    char text[64];
    if (s->value == 0)
        snprintf(text, sizeof text, "  not rated yet — press 1-%d", s->max);
    else
        snprintf(text, sizeof text, "  %d/%d %s", s->value, s->max,
                 stars_label(s->value, s->max));
    draw_text(win, w->y, x, left, text, normal);
    for (int r = 1; r < w->h; r++)
        draw_blank(win, w->y + r, w->x, w->w, normal);
}

static int stars_on_key(struct widget *w, struct key k)
{
    struct stars *s = (struct stars *)w;
    int id = key_id(k), to;
    if (id >= '1' && id < '1' + s->max)
        to = id - '0';
    else if (id == KEYCODE(KEY_LEFT) || id == 'h')
        to = s->value > 1 ? s->value - 1 : s->value; /* never back to "not rated" */
    else if (id == KEYCODE(KEY_RIGHT) || id == 'l')
        to = s->value < s->max ? s->value + 1 : s->max;
    else
        return WIDGET_IGNORED;
    if (to == s->value)
        return WIDGET_HANDLED;
    s->value = to;
    widget_mark_dirty(w);
    return WIDGET_HANDLED | WIDGET_CHANGED;
}

static void stars_destroy(struct widget *w)
{
    g_free(w);
}

static const struct widget_class stars_class = {
    .name = "stars",
    .draw = stars_draw,
    .on_key = stars_on_key,
    .destroy = stars_destroy,
};

struct stars *stars_new(int max)
{
    struct stars *s = g_new0(struct stars, 1);
    widget_init(&s->base, &stars_class);
    s->max = max < 1 ? 1 : max > STARS_MAX ? STARS_MAX : max;
    return s;
}

struct widget *stars_widget(struct stars *s)
{
    return &s->base;
}

int stars_value(const struct stars *s)
{
    return s->value;
}

void stars_set(struct stars *s, int value)
{
    value = value < 0 ? 0 : value > s->max ? s->max : value;
    if (value != s->value) {
        s->value = value;
        widget_mark_dirty(&s->base);
    }
}
