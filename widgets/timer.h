/* The session timer: a countdown before the start; once joined, elapsed time and time left of
 * the booked duration; a warning phase in the last 5 minutes and an over-time phase. The
 * phase logic is pure (timer_compute) so it is tested without a terminal. */
#ifndef WIDGETS_TIMER_H
#define WIDGETS_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "widgets/widget.h"

#define TIMER_WARNING_SECONDS (5 * 60)

enum timer_phase {
    TIMER_BEFORE,  /* not started: counting down to the start */
    TIMER_WAITING, /* start time passed, not joined yet */
    TIMER_RUNNING, /* joined, more than 5 minutes left */
    TIMER_WARNING, /* joined, 5 minutes or less left */
    TIMER_OVER,    /* joined, past the booked duration */
    TIMER_ENDED,   /* the session is over */
    TIMER_CANCELLED, /* the session was called off */
};

/* How the session stands, for the phases that do not depend on the clock. */
enum timer_end { TIMER_LIVE, TIMER_COMPLETED, TIMER_CALLED_OFF };

struct timer_state {
    enum timer_phase phase;
    long until_start; /* seconds to the start (BEFORE), since the start (WAITING) */
    long elapsed;     /* seconds since joining (RUNNING, WARNING, OVER) */
    long left;        /* seconds left of the duration; negative when over */
};

/* What the timer shows at now for a session starting at start and lasting minutes, joined at
 * joined (0: not joined), live, completed or called off (completed: ENDED, called off:
 * CANCELLED, whatever the clock). Elapsed counts from the join; the session ends
 * `minutes` after the later of the scheduled start and the join (a mentor who joins early
 * does not lose minutes, one who joins late still gets the booked time). Exactly at the
 * start, not joined, is WAITING; exactly 5:00 left is WARNING; 0:00 left is still WARNING,
 * one second later OVER. */
void timer_compute(time_t now, time_t start, int minutes, time_t joined, enum timer_end end,
                   struct timer_state *out);

/* The text for a state: "Starts in 12:04" (the last hour), "Starts in 2 h 05 min",
 * "Starts in 3 d 04 h", "Started just now, not joined" (the first minute), "Started 3 min
 * ago, not joined", "12:03 elapsed · 47:57 left", "04:59 left", "Over by 02:10", "Session
 * ended", "Session cancelled"; an hour or more of elapsed, left or over is written "1:02:03". */
void timer_format(const struct timer_state *st, char *out, size_t outlen);

struct timer;

/* The widget draws the text of its last tick on its first line, bold, in THEME_TIMER_NORMAL,
 * THEME_TIMER_WARNING or THEME_TIMER_OVER by phase. */
struct timer *timer_new(void);
struct widget *timer_widget(struct timer *t);
/* Sets what the timer counts (arguments as for timer_compute); it shows at the next
 * timer_tick, which then reports a change. Setting the same values again changes nothing. */
void timer_set(struct timer *t, time_t start, int minutes, time_t joined, enum timer_end end);
/* Recomputes for now; returns true (and marks itself dirty) only when the text or phase
 * changed, so an idle screen redraws nothing else. */
bool timer_tick(struct timer *t, time_t now);
enum timer_phase timer_phase(const struct timer *t);
/* The text of the last tick ("" before the first); owned by the timer. */
const char *timer_text(const struct timer *t);

#endif
