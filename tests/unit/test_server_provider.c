/* The providers' small parts: text made fit for a provider's JSON, base URLs from the
 * environment, paths for messages, the bound of a provider call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/fetch.h"
#include "server/provider.h"

static void provider_text_is_valid_utf8_without_controls(void **state)
{
    char *t = provider_text("Career\tDiscovery\x1b[31m \xc3\xa9\xe2\x82\xac", 100);
    assert_string_equal(t, "Career Discovery [31m \xc3\xa9\xe2\x82\xac");
    free(t);
    /* A lone continuation, an overlong '/', a surrogate, past U+10FFFF, a cut sequence. */
    t = provider_text("a\x80 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82", 100);
    assert_string_equal(t, "a\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"
                           "\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                           "\xef\xbf\xbd\xef\xbf\xbd");
    free(t);
    t = provider_text("\xf0\x9f\x98\x80\xf0\x9f\x98\x80xyz", 3);
    assert_string_equal(t, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80x");
    free(t);
}

static bool base(const char *value, char out[256], char err[256])
{
    if (value)
        setenv("TEST_BASE_URL", value, 1);
    else
        unsetenv("TEST_BASE_URL");
    err[0] = '\0';
    return fetch_base_url("TEST_BASE_URL", "https://api.zoom.us/v2", out, 256, err, 256);
}

static void base_urls_are_https_or_loopback_http(void **state)
{
    char out[256], err[256];
    assert_true(base(NULL, out, err));
    assert_string_equal(out, "https://api.zoom.us/v2");
    assert_true(base("https://zoom.example.org:8443/v2/", out, err));
    assert_string_equal(out, "https://zoom.example.org:8443/v2");
    const char *local[] = {"http://127.0.0.1:9/v2", "http://127.12.0.1", "http://localhost:80",
                           "http://[::1]:8080/x"};
    for (size_t i = 0; i < 4; i++)
        assert_true(base(local[i], out, err));
    const char *bad[] = {"http://api.zoom.us/v2", "http://127.0.0.1.example.com/",
                         "http://localhost.example.com", "http://10.0.0.1/", "ftp://127.0.0.1/",
                         "https://user:pw@api.zoom.us", "https://api.zoom.us/v2?x=1",
                         "https://api.zoom.us/#f", "https:///v2", "https://a b", "api.zoom.us",
                         "https://api.zoom.us/\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(base(bad[i], out, err));
        assert_non_null(strstr(err, "TEST_BASE_URL"));
    }
    unsetenv("TEST_BASE_URL");
}

static void url_paths_leave_out_host_and_query(void **state)
{
    char path[64];
    fetch_url_path("https://zoom.us/oauth/token?grant_type=x&account_id=secret", path,
                   sizeof path);
    assert_string_equal(path, "/oauth/token");
    fetch_url_path("http://127.0.0.1:99", path, sizeof path);
    assert_string_equal(path, "/");
}

/* MEETING_PROVIDER_TIMEOUT is 1 to 10 seconds: past 10, dheya-meet (15 s in all) would give
 * up on a request that waits for another one's call before making its own. */
static void provider_timeout_is_one_to_ten_seconds(void **state)
{
    char err[256];
    unsetenv("JITSI_DOMAIN");
    unsetenv("JITSI_ROOM_PREFIX");
    setenv("MEETING_PROVIDER", "jitsi", 1);
    const char *good[] = {"1", "7", "10"};
    const unsigned seconds[] = {1, 7, 10};
    for (size_t i = 0; i < 3; i++) {
        setenv("MEETING_PROVIDER_TIMEOUT", good[i], 1);
        assert_non_null(provider_from_env(err, sizeof err));
        assert_int_equal(provider_timeout(), seconds[i]);
    }
    const char *bad[] = {"11", "60", "0", "-5", "+5", "5s", " 5", "abc", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        setenv("MEETING_PROVIDER_TIMEOUT", bad[i], 1);
        err[0] = '\0';
        assert_null(provider_from_env(err, sizeof err));
        assert_non_null(strstr(err, "MEETING_PROVIDER_TIMEOUT="));
        assert_non_null(strstr(err, "10"));
        assert_int_equal(provider_timeout(), 10); /* the last good value stands */
    }
    setenv("MEETING_PROVIDER_TIMEOUT", "11", 1);
    assert_null(provider_from_env(err, sizeof err));
    assert_string_equal(err, "MEETING_PROVIDER_TIMEOUT=11: at most 10 seconds, since "
                        "dheya-meet gives up on a request after 15 s and a request may first "
                        "wait for another one's provider call");
    unsetenv("MEETING_PROVIDER_TIMEOUT");
    unsetenv("MEETING_PROVIDER");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(provider_text_is_valid_utf8_without_controls),
        cmocka_unit_test(base_urls_are_https_or_loopback_http),
        cmocka_unit_test(url_paths_leave_out_host_and_query),
        cmocka_unit_test(provider_timeout_is_one_to_ten_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
