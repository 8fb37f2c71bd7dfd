/* The session timer: phases computed from the clock, one bold line whose colour follows the
 * phase. Ticked once a second; redrawn only when its text changes. */
#include "widgets/timer.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "themes/theme.h"
#include "widgets/draw.h"

struct timer {
    struct widget base;
    time_t start, joined;
    int minutes;
    enum timer_end end;
    bool stale; /* set since the last tick: the next tick reports a change */
    struct timer_state st;
    char text[64];
};

void timer_compute(time_t now, time_t start, int minutes, time_t joined, enum timer_end end,
                   struct timer_state *out)
{
    *out = (struct timer_state){0};
    if (end != TIMER_LIVE) {
        out->phase = end == TIMER_CALLED_OFF ? TIMER_CANCELLED : TIMER_ENDED;
        return;
    }
    if (joined == 0) {
        out->phase = now < start ? TIMER_BEFORE : TIMER_WAITING;
        out->until_start = now < start ? (long)(start - now) : (long)(now - start);
        return;
    }
    time_t from = joined > start ? joined : start;
    out->elapsed = now > joined ? (long)(now - joined) : 0;
    out->left = (long)(from + (time_t)minutes * 60 - now);
    out->phase = out->left < 0                      ? TIMER_OVER
                 : out->left <= TIMER_WARNING_SECONDS ? TIMER_WARNING
                                                      : TIMER_RUNNING;
}

/* "04:59", or "1:02:03" from an hour on. */
static void clock_text(long s, char *out, size_t outlen)
{
    if (s >= 3600)
        snprintf(out, outlen, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, outlen, "%02ld:%02ld", s / 60, s % 60);
}

void timer_format(const struct timer_state *st, char *out, size_t outlen)
{
    char a[32], b[32];
    long s = st->until_start;
    switch (st->phase) {
    case TIMER_BEFORE:
        /* Seconds only count down in the last hour; before that a minute is close enough. */
        if (s >= 86400)
            snprintf(out, outlen, "Starts in %ld d %02ld h", s / 86400, s / 3600 % 24);
        else if (s >= 3600)
            snprintf(out, outlen, "Starts in %ld h %02ld min", s / 3600, s / 60 % 60);
        else {
            clock_text(s, a, sizeof a);
            snprintf(out, outlen, "Starts in %s", a);
        }
        break;
    case TIMER_WAITING:
        if (s < 60)
            snprintf(out, outlen, "Started just now, not joined");
        else if (s < 3600)
            snprintf(out, outlen, "Started %ld min ago, not joined", s / 60);
        else
            snprintf(out, outlen, "Started %ld h %02ld min ago, not joined", s / 3600,
                     s / 60 % 60);
        break;
    case TIMER_RUNNING:
        clock_text(st->elapsed, a, sizeof a);
        clock_text(st->left, b, sizeof b);
        snprintf(out, outlen, "%s elapsed · %s left", a, b);
        break;
    case TIMER_WARNING:
        clock_text(st->left, a, sizeof a);
        snprintf(out, outlen, "%s left", a);
        break;
    case TIMER_OVER:
        clock_text(-st->left, a, sizeof a);
        snprintf(out, outlen, "Over by %s", a);
        break;
    case TIMER_ENDED:
        snprintf(out, outlen, "Session ended");
        break;
    case TIMER_CANCELLED:
        snprintf(out, outlen, "Session cancelled");
        break;
    }
}

static void timer_draw(struct widget *w, WINDOW *win, bool focused)
{
    struct timer *t = (struct timer *)w;
    enum theme_slot slot = t->st.phase == TIMER_WARNING ? THEME_TIMER_WARNING
                           : t->st.phase == TIMER_OVER  ? THEME_TIMER_OVER
                                                        : THEME_TIMER_NORMAL;
    draw_text(win, w->y, w->x, w->w, t->text, theme_attr(slot) | A_BOLD);
    for (int r = 1; r < w->h; r++)
        draw_blank(win, w->y + r, w->x, w->w, theme_attr(THEME_NORMAL));
}

static void timer_destroy(struct widget *w)
{
    g_free(w);
}

static const struct widget_class timer_class = {
    .name = "timer",
    .draw = timer_draw,
    .destroy = timer_destroy,
};

struct timer *timer_new(void)
{
    struct timer *t = g_new0(struct timer, 1);
    widget_init(&t->base, &timer_class);
    t->stale = true;
    return t;
}

struct widget *timer_widget(struct timer *t)
{
    return &t->base;
}

void timer_set(struct timer *t, time_t start, int minutes, time_t joined, enum timer_end end)
{
    if (t->start == start && t->minutes == minutes && t->joined == joined &&
        t->end == end && !t->stale)
        return;
    t->start = start, t->minutes = minutes, t->joined = joined, t->end = end;
    t->stale = true;
}

bool timer_tick(struct timer *t, time_t now)
{
    struct timer_state st;
    char text[sizeof t->text];
    timer_compute(now, t->start, t->minutes, t->joined, t->end, &st);
    timer_format(&st, text, sizeof text);
    bool changed = t->stale || st.phase != t->st.phase || strcmp(text, t->text) != 0;
    t->st = st;
    memcpy(t->text, text, sizeof text);
    t->stale = false;
    if (changed)
        widget_mark_dirty(&t->base);
    return changed;
}

enum timer_phase timer_phase(const struct timer *t)
{
    return t->st.phase;
}

const char *timer_text(const struct timer *t)
{
    return t->text;
}
