/* widgets/timer: the phases and texts of the session timer at every boundary, and when a
 * tick reports a change. Pure logic: no terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "widgets/timer.h"

#define START ((time_t)1700000000)
#define HOUR 3600

/* The phase and text at now, for a 60-minute session starting at START. */
static enum timer_phase at(time_t now, time_t joined, enum timer_end end, char *text,
                           size_t len)
{
    struct timer_state st;
    timer_compute(now, START, 60, joined, end, &st);
    timer_format(&st, text, len);
    return st.phase;
}

static void assert_at(time_t now, time_t joined, enum timer_phase phase, const char *want)
{
    char text[64];
    assert_int_equal(at(now, joined, TIMER_LIVE, text, sizeof text), phase);
    assert_string_equal(text, want);
}

static void before_the_start(void **state)
{
    struct timer_state st;
    timer_compute(START - 1, START, 60, 0, TIMER_LIVE, &st);
    assert_int_equal(st.phase, TIMER_BEFORE);
    assert_int_equal(st.until_start, 1);
    assert_at(START - 1, 0, TIMER_BEFORE, "Starts in 00:01");
    assert_at(START - 724, 0, TIMER_BEFORE, "Starts in 12:04");
    assert_at(START - (HOUR - 1), 0, TIMER_BEFORE, "Starts in 59:59");
    assert_at(START - HOUR, 0, TIMER_BEFORE, "Starts in 1 h 00 min");
    assert_at(START - (2 * HOUR + 5 * 60 + 30), 0, TIMER_BEFORE, "Starts in 2 h 05 min");
    assert_at(START - (3 * 86400 + 4 * HOUR + 59), 0, TIMER_BEFORE, "Starts in 3 d 04 h");
}

static void started_not_joined(void **state)
{
    struct timer_state st;
    timer_compute(START, START, 60, 0, TIMER_LIVE, &st);
    assert_int_equal(st.phase, TIMER_WAITING);
    assert_int_equal(st.until_start, 0);
    assert_at(START, 0, TIMER_WAITING, "Started just now, not joined");
    assert_at(START + 59, 0, TIMER_WAITING, "Started just now, not joined");
    assert_at(START + 60, 0, TIMER_WAITING, "Started 1 min ago, not joined");
    assert_at(START + 3 * 60 + 10, 0, TIMER_WAITING, "Started 3 min ago, not joined");
    /* Long after the booked end, still not joined: the session was never run. */
    assert_at(START + HOUR + 5 * 60, 0, TIMER_WAITING, "Started 1 h 05 min ago, not joined");
}

/* Joined ten minutes early: elapsed counts from the join, the end stays START + 60 min. */
static void joined_early(void **state)
{
    time_t joined = START - 600;
    struct timer_state st;
    timer_compute(START - 300, START, 60, joined, TIMER_LIVE, &st);
    assert_int_equal(st.phase, TIMER_RUNNING);
    assert_int_equal(st.elapsed, 300);
    assert_int_equal(st.left, HOUR + 300);
    assert_at(START - 300, joined, TIMER_RUNNING, "05:00 elapsed · 1:05:00 left");
    assert_at(START + HOUR - 301, joined, TIMER_RUNNING, "1:04:59 elapsed · 05:01 left");
    assert_at(START + HOUR - 300, joined, TIMER_WARNING, "05:00 left");
    assert_at(START + HOUR, joined, TIMER_WARNING, "00:00 left");
    assert_at(START + HOUR + 1, joined, TIMER_OVER, "Over by 00:01");
}

/* Joined ten minutes late: the booked hour counts from the join. */
static void joined_late(void **state)
{
    time_t joined = START + 600;
    struct timer_state st;
    timer_compute(joined + 723, START, 60, joined, TIMER_LIVE, &st);
    assert_int_equal(st.phase, TIMER_RUNNING);
    assert_int_equal(st.elapsed, 723);
    assert_int_equal(st.left, HOUR - 723);
    assert_at(joined, joined, TIMER_RUNNING, "00:00 elapsed · 1:00:00 left");
    assert_at(joined + 723, joined, TIMER_RUNNING, "12:03 elapsed · 47:57 left");
    assert_at(joined + HOUR - 301, joined, TIMER_RUNNING, "54:59 elapsed · 05:01 left");
    assert_at(joined + HOUR - 300, joined, TIMER_WARNING, "05:00 left");
    assert_at(joined + HOUR - 299, joined, TIMER_WARNING, "04:59 left");
    assert_at(joined + HOUR, joined, TIMER_WARNING, "00:00 left");
    assert_at(joined + HOUR + 1, joined, TIMER_OVER, "Over by 00:01");
    assert_at(joined + HOUR + 130, joined, TIMER_OVER, "Over by 02:10");
    assert_at(joined + 2 * HOUR + 3723 - HOUR, joined, TIMER_OVER, "Over by 1:02:03");
    timer_compute(joined + HOUR + 130, START, 60, joined, TIMER_LIVE, &st);
    assert_int_equal(st.left, -130);
}

static void ended_and_odd_clocks(void **state)
{
    char text[64];
    /* Ended wins over every other phase. */
    assert_int_equal(at(START - 100, 0, TIMER_COMPLETED, text, sizeof text), TIMER_ENDED);
    assert_string_equal(text, "Session ended");
    assert_int_equal(at(START + 10 * HOUR, START, TIMER_COMPLETED, text, sizeof text), TIMER_ENDED);
    /* Called off: said so, also before the start and while joined. */
    assert_int_equal(at(START - 100, 0, TIMER_CALLED_OFF, text, sizeof text), TIMER_CANCELLED);
    assert_string_equal(text, "Session cancelled");
    assert_int_equal(at(START + 60, START, TIMER_CALLED_OFF, text, sizeof text),
                     TIMER_CANCELLED);
    /* A join time ahead of the clock (clock stepped back) shows no negative elapsed. */
    struct timer_state st;
    timer_compute(START - 5, START, 60, START, TIMER_LIVE, &st);
    assert_int_equal(st.elapsed, 0);
    assert_int_equal(st.phase, TIMER_RUNNING);
    /* A zero-minute booking is over one second after the start. */
    timer_compute(START + 1, START, 0, START, TIMER_LIVE, &st);
    assert_int_equal(st.phase, TIMER_OVER);
    /* The text is cut, NUL-terminated, to the buffer. */
    char small[8];
    timer_compute(START - 724, START, 60, 0, TIMER_LIVE, &st);
    timer_format(&st, small, sizeof small);
    assert_string_equal(small, "Starts ");
}

static void tick_reports_only_changes(void **state)
{
    struct timer *t = timer_new();
    struct widget *w = timer_widget(t);
    assert_string_equal(timer_text(t), "");

    timer_set(t, START, 60, 0, TIMER_LIVE);
    assert_true(timer_tick(t, START - 2 * HOUR - 119));
    assert_string_equal(timer_text(t), "Starts in 2 h 01 min");
    assert_int_equal(timer_phase(t), TIMER_BEFORE);
    /* An hour away the text changes once a minute: ticks in between change nothing. */
    w->dirty = false;
    assert_false(timer_tick(t, START - 2 * HOUR - 119));
    assert_false(timer_tick(t, START - 2 * HOUR - 60));
    assert_false(w->dirty);
    assert_true(timer_tick(t, START - 2 * HOUR - 59));
    assert_string_equal(timer_text(t), "Starts in 2 h 00 min");
    assert_true(w->dirty);
    /* In the last hour every second. */
    w->dirty = false;
    assert_true(timer_tick(t, START - 10));
    assert_false(timer_tick(t, START - 10));
    assert_true(timer_tick(t, START - 9));
    /* The same settings again are not a change; new ones are, even at the same second. */
    timer_set(t, START, 60, 0, TIMER_LIVE);
    assert_false(timer_tick(t, START - 9));
    timer_set(t, START, 60, START - 9, TIMER_LIVE);
    assert_true(timer_tick(t, START - 9));
    assert_int_equal(timer_phase(t), TIMER_RUNNING);
    timer_set(t, START, 60, START - 9, TIMER_COMPLETED);
    assert_true(timer_tick(t, START - 9));
    assert_int_equal(timer_phase(t), TIMER_ENDED);
    /* Ended: nothing changes any more, however long it is left open. */
    assert_false(timer_tick(t, START + 10 * HOUR));
    widget_destroy(w);
}

/* From RUNNING to WARNING the text shape changes; from WARNING to OVER as well: each is a
 * reported change, and only the second they happen. */
static void tick_across_phases(void **state)
{
    struct timer *t = timer_new();
    timer_set(t, START, 60, START, TIMER_LIVE);
    time_t end = START + HOUR;
    assert_true(timer_tick(t, end - 301));
    assert_int_equal(timer_phase(t), TIMER_RUNNING);
    assert_true(timer_tick(t, end - 300));
    assert_int_equal(timer_phase(t), TIMER_WARNING);
    assert_true(timer_tick(t, end + 1));
    assert_int_equal(timer_phase(t), TIMER_OVER);
    assert_false(timer_tick(t, end + 1));
    widget_destroy(timer_widget(t));
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(before_the_start),
        cmocka_unit_test(started_not_joined),
        cmocka_unit_test(joined_early),
        cmocka_unit_test(joined_late),
        cmocka_unit_test(ended_and_odd_clocks),
        cmocka_unit_test(tick_reports_only_changes),
        cmocka_unit_test(tick_across_phases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
