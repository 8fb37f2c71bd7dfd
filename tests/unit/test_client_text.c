/* tui/: the sanitizer for server text, the meeting URL checks, relative times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/launcher.h"
#include "tui/sanitize.h"
#include "tui/timefmt.h"

static int setup(void **state)
{
    sanitize_init_locale();
    return 0;
}

/* No ESC (0x1b), no C1 as a raw byte, none UTF-8 encoded (C2 80..C2 9F), no other C0. */
static void assert_terminal_safe(const char *s, bool newlines_ok)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n' && newlines_ok)
            continue;
        assert_true(*p >= 0x20 && *p != 0x7f);
        if (p[0] == 0xC2)
            assert_false(p[1] >= 0x80 && p[1] <= 0x9F);
    }
}

static void escapes_never_pass(void **state)
{
    const char *attacks[] = {
        "\x1b[2J\x1b[H",                    /* CSI */
        "\x1b]0;owned\x07",                 /* OSC 0 title */
        "\x1b]2;owned\x1b\\",               /* OSC 2 with ST */
        "\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\", /* OSC 8 hyperlink */
        "\x1b]52;c;ZXZpbA==\x07",           /* OSC 52 clipboard */
        "\x1bP+q544e\x1b\\",                /* DCS */
        "\x9b" "31m raw C1",                /* raw C1 byte: invalid UTF-8 */
        "\xc2\x9b" "31m UTF-8 C1",          /* C1 encoded */
        "\xc2\x9d" "0;t\xc2\x9c",           /* OSC/ST as C1 */
        "trailing ESC \x1b",                /* a lone ESC that would join the next print */
        "bell\x07 bs\x08 del\x7f nul-free",
    };
    for (size_t i = 0; i < sizeof attacks / sizeof *attacks; i++) {
        char *line = sanitize(attacks[i], SANITIZE_LINE);
        char *multi = sanitize(attacks[i], SANITIZE_MULTILINE);
        assert_terminal_safe(line, false);
        assert_terminal_safe(multi, true);
        assert_true(strlen(line) > 0);
        free(line);
        free(multi);
    }
    char *s = sanitize("a\x1b[31mb", SANITIZE_LINE);
    assert_string_equal(s, "a\xe2\x90\x9b[31mb"); /* ␛ shown, visibly */
    free(s);
}

static void format_characters_are_shown(void **state)
{
    char *s = sanitize("abc\xe2\x80\xae" "def\xe2\x80\x8bg\xef\xbb\xbf", SANITIZE_LINE);
    assert_string_equal(s, "abc<U+202E>def<U+200B>g<U+FEFF>");
    free(s);
    s = sanitize("\xe2\x81\xa6x\xd8\x9c", SANITIZE_LINE);
    assert_string_equal(s, "<U+2066>x<U+061C>");
    free(s);
}

static void single_line_fields_stay_on_one_line(void **state)
{
    char *s = sanitize("one\ntwo\rthree\tfour\bfive", SANITIZE_LINE);
    assert_null(strchr(s, '\n'));
    assert_null(strchr(s, '\r'));
    assert_null(strchr(s, '\t'));
    assert_null(strchr(s, '\b'));
    free(s);
    s = sanitize("one\ntwo\tthree\r", SANITIZE_MULTILINE);
    assert_string_equal(s, "one\ntwo\tthree\xe2\x90\x8d");
    free(s);
}

static void invalid_utf8_becomes_replacement(void **state)
{
    const char *bad[] = {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                         "\xe2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *s = sanitize(bad[i], SANITIZE_LINE);
        assert_non_null(strstr(s, "\xef\xbf\xbd"));
        free(s);
    }
    char *s = sanitize("J\xc3\xbcrgen \xe6\x9d\x8e", SANITIZE_LINE);
    assert_string_equal(s, "J\xc3\xbcrgen \xe6\x9d\x8e");
    free(s);
    s = sanitize(NULL, SANITIZE_LINE);
    assert_string_equal(s, "");
    free(s);
}

static void widths_are_terminal_cells(void **state)
{
    assert_int_equal(sanitize_width("abc"), 3);
    assert_int_equal(sanitize_width("\xe6\x9d\x8e\xe6\x98\x8e"), 4);   /* two wide CJK */
    assert_int_equal(sanitize_width("e\xcc\x81"), 1);                  /* e + combining */
    char *f = sanitize_fit("\xe6\x9d\x8e\xe6\x98\x8e\xe6\x9d\x8e", 5); /* 6 cells into 5 */
    assert_int_equal(sanitize_width(f), 5);
    free(f);
    f = sanitize_fit("ab", 5);
    assert_string_equal(f, "ab   ");
    free(f);
    f = sanitize_fit("abcdefgh", 5);
    assert_string_equal(f, "abcd\xe2\x80\xa6");
    free(f);
    f = sanitize_fit("a\x1b[2Jb", 20);
    assert_int_equal(sanitize_width(f), 20);
    assert_null(strchr(f, 0x1b));
    free(f);
    f = sanitize_fit("x", 0);
    assert_string_equal(f, "");
    free(f);
}

static void meeting_urls_are_checked(void **state)
{
    char err[300];
    const char *good[] = {"https://meet.jit.si/dheya-session-b1-0123abcd",
                          "https://zoom.us/j/123?pwd=abc&uname=x"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char *u = launcher_check_url(good[i], err, sizeof err);
        assert_non_null(u);
        assert_string_equal(u, good[i]);
        free(u);
    }
    char huge[LAUNCHER_MAX_URL + 50];
    memset(huge, 'a', sizeof huge - 1);
    memcpy(huge, "https://x.org/", 14);
    huge[sizeof huge - 1] = '\0';
    const char *bad[] = {"file:///etc/passwd", "javascript:alert(1)", "data:text/html,hi",
                         "dheya://open", "-https://x.org", "--remote-debugging-port=9",
                         "https://x.org/$(id)", "https://x.org/;sh;", "https://x.org/`id`",
                         "https://x.org/a b", "https://x.org/a\rb", "https://x.org/\x1b",
                         "http://evil.example/", "https:///path", "https://u:p@x.org/",
                         "https://x.org/|cat", "https://x.org/'q'", "https://x.org/\"q\"",
                         "https://x.org/\xc3\xa9", "", huge,
                         /* the API's loopback exception is not for meeting URLs */
                         "http://127.0.0.1:631/admin/conf", "http://localhost:8080/x",
                         "http://[::1]/x", "HTTP://127.0.0.1/x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *u = launcher_check_url(bad[i], err, sizeof err);
        if (u)
            fail_msg("accepted %s", bad[i]);
        assert_true(strlen(err) > 0);
    }
}

static void jitsi_display_name_in_fragment(void **state)
{
    char *u = launcher_jitsi_url("https://meet.jit.si/r", "Jane \"JJ\" Smith");
    assert_string_equal(u, "https://meet.jit.si/r#userInfo.displayName="
                           "%22Jane%20%5C%22JJ%5C%22%20Smith%22");
    char err[200];
    char *checked = launcher_check_url(u, err, sizeof err);
    assert_non_null(checked);
    free(checked);
    free(u);
    u = launcher_jitsi_url("https://meet.jit.si/r", "Ren\xc3\xa9\x1b[2J");
    assert_string_equal(u, "https://meet.jit.si/r#userInfo.displayName="
                           "%22Ren%C3%A9%5Cu001b%5B2J%22");
    free(u);
    u = launcher_jitsi_url("https://meet.jit.si/r#already", "X");
    assert_string_equal(u, "https://meet.jit.si/r#already");
    free(u);
}

static void relative_times(void **state)
{
    char b[48];
    timefmt_relative(1000, 1000 + 12 * 60, 60, b, sizeof b);
    assert_string_equal(b, "in 12 min");
    timefmt_relative(1000, 1000 + 3 * 3600 + 5 * 60, 60, b, sizeof b);
    assert_string_equal(b, "in 3 h 5 min");
    timefmt_relative(1000, 1000 + 3 * 86400, 60, b, sizeof b);
    assert_string_equal(b, "in 3 days");
    timefmt_relative(1000, 1010, 60, b, sizeof b);
    assert_string_equal(b, "now");
    timefmt_relative(10000, 10000 - 20 * 60, 60, b, sizeof b);
    assert_string_equal(b, "running, 20 min in");
    timefmt_relative(100000, 100000 - 3 * 3600, 60, b, sizeof b);
    assert_string_equal(b, "ended 2 h ago");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_never_pass),
        cmocka_unit_test(format_characters_are_shown),
        cmocka_unit_test(single_line_fields_stay_on_one_line),
        cmocka_unit_test(invalid_utf8_becomes_replacement),
        cmocka_unit_test(widths_are_terminal_cells),
        cmocka_unit_test(meeting_urls_are_checked),
        cmocka_unit_test(jitsi_display_name_in_fragment),
        cmocka_unit_test(relative_times),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
