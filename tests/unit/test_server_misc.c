/* The server's small parts: ISO 8601 times, the rate limiter, providers, UTF-8 lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/body.h"
#include "server/iso8601.h"
#include "server/provider.h"
#include "server/ratelimit.h"

static void iso8601_accepts_offsets(void **state)
{
    time_t t;
    assert_true(iso8601_parse("2024-01-15T10:00:00Z", &t));
    assert_int_equal(t, 1705312800);
    assert_true(iso8601_parse("2024-01-15T15:30:00+05:30", &t));
    assert_int_equal(t, 1705312800);
    assert_true(iso8601_parse("2024-01-15T05:00:00-0500", &t));
    assert_int_equal(t, 1705312800);
    assert_true(iso8601_parse("2024-01-15T10:00:00.123456Z", &t));
    assert_int_equal(t, 1705312800);
    assert_true(iso8601_parse("2024-01-15T10:00Z", &t));
    assert_int_equal(t, 1705312800);
    assert_true(iso8601_parse("2024-02-29T00:00:00Z", &t));
    char buf[32];
    iso8601_format(1705312800, buf);
    assert_string_equal(buf, "2024-01-15T10:00:00Z");
}

static void iso8601_refuses_the_rest(void **state)
{
    const char *bad[] = {"", "2024-01-15", "2024-01-15T10:00:00", "2024-13-01T00:00:00Z",
                         "2024-01-32T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-15T24:00:00Z",
                         "2024-01-15T10:00:00Zjunk", "2024-01-15T10:00:00+5", "tomorrow",
                         "2024-01-15T10:00:00.Z", "1969-12-31T23:59:59Z", "2024-1-15T10:00:00Z"};
    time_t t;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(iso8601_parse(bad[i], &t));
}

static void ratelimit_buckets(void **state)
{
    struct ratelimit *rl = ratelimit_new(3);
    unsigned retry = 0;
    for (int i = 0; i < 3; i++)
        assert_true(ratelimit_take(rl, "a", &retry));
    assert_false(ratelimit_take(rl, "a", &retry));
    assert_true(retry >= 1 && retry <= 21);
    assert_true(ratelimit_take(rl, "b", &retry));
    ratelimit_free(rl);
    rl = ratelimit_new(0);
    for (int i = 0; i < 1000; i++)
        assert_true(ratelimit_take(rl, "a", &retry));
    ratelimit_free(rl);
}

static void providers_from_env(void **state)
{
    char err[256];
    unsetenv("JITSI_DOMAIN");
    unsetenv("JITSI_ROOM_PREFIX");
    setenv("MEETING_PROVIDER", "jitsi", 1);
    const struct provider *p = provider_from_env(err, sizeof err);
    assert_non_null(p);
    struct provider_booking b = {.id = "b123"};
    struct provider_meeting m = {0};
    assert_true(p->create(&b, provider_now() + 1, &m, err, sizeof err));
    assert_non_null(m.url);
    assert_int_equal(strncmp(m.url, "https://meet.jit.si/dheya-session-b123-", 39), 0);
    assert_int_equal(strlen(m.url), 39 + 32);
    assert_null(m.id);
    provider_meeting_clear(&m);
    setenv("MEETING_PROVIDER", "zoom", 1);
    unsetenv("ZOOM_ACCOUNT_ID");
    assert_null(provider_from_env(err, sizeof err));
    assert_non_null(strstr(err, "ZOOM_ACCOUNT_ID"));
    setenv("MEETING_PROVIDER", "jitsi", 1);
    setenv("JITSI_DOMAIN", "meet.example.org:8443", 1);
    assert_null(provider_from_env(err, sizeof err));
    assert_non_null(strstr(err, "JITSI_DOMAIN"));
    unsetenv("JITSI_DOMAIN");
    unsetenv("MEETING_PROVIDER");
}

static void utf8_length_counts_code_points(void **state)
{
    assert_int_equal(body_utf8_length(""), 0);
    assert_int_equal(body_utf8_length("abc"), 3);
    assert_int_equal(body_utf8_length("\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iso8601_accepts_offsets), cmocka_unit_test(iso8601_refuses_the_rest),
        cmocka_unit_test(ratelimit_buckets),       cmocka_unit_test(providers_from_env),
        cmocka_unit_test(utf8_length_counts_code_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
