/* tui/backoff: the refresh interval while the platform answers, and after failures 2, 4,
 * 8 s... capped by that interval, back to the interval at the first answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tui/backoff.h"

static void waits_double_up_to_the_interval(void **state)
{
    struct backoff b = {.interval = 15};
    assert_true(backoff_due(&b, 1000)); /* never loaded: at once */
    const int want[] = {2, 4, 8, 15, 15};
    for (int i = 0; i < 5; i++) {
        backoff_failed(&b, 1000);
        assert_int_equal(b.next - 1000, want[i]);
        assert_false(backoff_due(&b, 1000 + want[i] - 1));
        assert_true(backoff_due(&b, 1000 + want[i]));
    }
    backoff_ok(&b, 2000);
    assert_int_equal(b.next, 2015);
    backoff_failed(&b, 2000);
    assert_int_equal(b.next, 2002); /* a new outage starts short again */
}

static void a_short_interval_caps_the_first_wait(void **state)
{
    struct backoff b = {.interval = 1};
    backoff_failed(&b, 50);
    assert_int_equal(b.next, 51);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(waits_double_up_to_the_interval),
        cmocka_unit_test(a_short_interval_caps_the_first_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
