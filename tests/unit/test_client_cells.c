/* widgets/cells: UTF-8 text measured, fitted and wrapped in terminal cells. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "widgets/cells.h"

static int setup(void **state)
{
    return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

static void widths(void **state)
{
    assert_int_equal(cells_width(""), 0);
    assert_int_equal(cells_width("hello"), 5);
    assert_int_equal(cells_width("日本語"), 6);              /* CJK: two cells each */
    assert_int_equal(cells_width("\xf0\x9f\x98\x80"), 2);    /* 😀 */
    assert_int_equal(cells_width("e\xcc\x81"), 1);           /* e + U+0301 */
    assert_int_equal(cells_width("a\xcc\x81\xcc\xa3z"), 2);  /* two marks on one base */
    assert_int_equal(cells_width("ab\ncd"), 4);              /* newlines take nothing */
    assert_int_equal(cells_width("\xff"), 1);                /* invalid: U+FFFD */
    assert_int_equal(cells_width_n("日本語", 3), 2);
    assert_int_equal(cells_of('A'), 1);
    assert_int_equal(cells_of(0x301), 0);
    assert_int_equal(cells_of(0x4E00), 2);
    assert_int_equal(cells_of(0x1F600), 2);
    assert_int_equal(cells_of(0x07), 1);       /* unprintable counts one */
    assert_int_equal(cells_of(0x110000), 1);   /* not Unicode at all */
}

static void decoding(void **state)
{
    unsigned cp;
    assert_int_equal(cells_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(cells_decode("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(cells_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    const char *bad[] = {
        "\xff",             /* never valid */
        "\x80",             /* lone continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong, three bytes */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xc3(",            /* continuation missing */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(cells_decode(bad[i], strlen(bad[i]), &cp), 1);
        assert_int_equal(cp, 0xFFFD);
    }
    /* A sequence cut short by len is invalid even if the bytes after it would complete it. */
    assert_int_equal(cells_decode("\xe6\x97\xa5", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(cells_decode("", 0, &cp), 0);
}

static void prefixes(void **state)
{
    assert_int_equal(cells_prefix("abc", 10), 3);
    assert_int_equal(cells_prefix("abc", 2), 2);
    assert_int_equal(cells_prefix("abc", 0), 0);
    assert_int_equal(cells_prefix("日本語", 3), 3);  /* 本 would straddle the edge */
    assert_int_equal(cells_prefix("日本語", 4), 6);
    assert_int_equal(cells_prefix("e\xcc\x81x", 1), 3); /* the mark stays with its base */
    assert_int_equal(cells_prefix("xe\xcc\x81", 1), 1);
}

static void check_fit(const char *s, size_t cells, const char *want)
{
    char *got = cells_fit(s, cells);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(cells_width(got), cells);
    free(got);
}

static void fitting(void **state)
{
    check_fit("hello world", 8, "hello w\xe2\x80\xa6");
    check_fit("hello", 5, "hello");
    check_fit("hi", 5, "hi   ");
    check_fit("hello", 1, "\xe2\x80\xa6");
    check_fit("hello", 0, "");
    check_fit("", 3, "   ");
    /* 日本 then the ellipsis leaves one cell, which a space fills. */
    check_fit("日本語テキスト", 6, "日本\xe2\x80\xa6 ");
    check_fit("日本語", 6, "日本語");
    check_fit("e\xcc\x81t\xc3\xa9 long", 4, "e\xcc\x81t\xc3\xa9\xe2\x80\xa6");
    check_fit("a\nb", 4, "a b ");
}

/* Wraps text and compares the lines with want (NULL-terminated); checks every line fits. */
static void check_wrap(const char *text, size_t cells, const char *const *want)
{
    struct cells_line *lines;
    size_t n = cells_wrap(text, cells, &lines);
    size_t expected = 0;
    while (want[expected])
        expected++;
    for (size_t i = 0; i < n && i < expected; i++) {
        char *got = strndup(text + lines[i].start, lines[i].len);
        assert_string_equal(got, want[i]);
        free(got);
        if (i > 0)
            assert_true(lines[i].start > lines[i - 1].start);
    }
    assert_int_equal(n, expected);
    free(lines);
}

static void wrapping(void **state)
{
    check_wrap("", 10, (const char *const[]){"", NULL});
    check_wrap("short", 10, (const char *const[]){"short", NULL});
    check_wrap("hello world foo", 7, (const char *const[]){"hello", "world", "foo", NULL});
    check_wrap("hello world foo", 11, (const char *const[]){"hello world", "foo", NULL});
    /* A space exactly at the edge is the break; it belongs to neither line. */
    check_wrap("hello world", 5, (const char *const[]){"hello", "world", NULL});
    check_wrap("hello ", 5, (const char *const[]){"hello", "", NULL});
    /* Long words are cut. */
    check_wrap("abcdefghij", 4, (const char *const[]){"abcd", "efgh", "ij", NULL});
    check_wrap("a verylongword b", 5,
               (const char *const[]){"a", "veryl", "ongwo", "rd b", NULL});
    /* A long word is cut after a '/' or '@' rather than anywhere, else after '.', '-'... */
    check_wrap("meera.iyer@example.com", 20,
               (const char *const[]){"meera.iyer@", "example.com", NULL});
    check_wrap("https://meet.jit.si/dheya-session-b59e7d", 24,
               (const char *const[]){"https://meet.jit.si/", "dheya-session-b59e7d", NULL});
    check_wrap("dheya-session-b59e7d4456", 16,
               (const char *const[]){"dheya-session-", "b59e7d4456", NULL});
    check_wrap("Mail: asha.rao@example.com", 12,
               (const char *const[]){"Mail:", "asha.rao@", "example.com", NULL});
    /* A soft break after a space moves with its word to the next line. */
    check_wrap("ab cd/efghijklm", 8, (const char *const[]){"ab", "cd/", "efghijkl", "m",
                                                           NULL});
    /* A space is always the better break. */
    check_wrap("a.b c", 4, (const char *const[]){"a.b", "c", NULL});
    /* Wide characters never straddle the edge. */
    check_wrap("a日本", 3, (const char *const[]){"a日", "本", NULL});
    check_wrap("a日本", 2, (const char *const[]){"a", "日", "本", NULL});
    check_wrap("日本語日本語", 5, (const char *const[]){"日本", "語日", "本語", NULL});
    /* A character wider than the line gets a line of its own instead of looping. */
    check_wrap("日x", 1, (const char *const[]){"日", "x", NULL});
    /* Combining marks stay with their base. */
    check_wrap("ae\xcc\x81" "bc", 2, (const char *const[]){"ae\xcc\x81", "bc", NULL});
    /* Newlines break; a trailing one leaves an empty last line. */
    check_wrap("ab\ncd", 10, (const char *const[]){"ab", "cd", NULL});
    check_wrap("ab\n", 10, (const char *const[]){"ab", "", NULL});
    check_wrap("\n\n", 10, (const char *const[]){"", "", "", NULL});
    check_wrap("one two\n\nthree four", 5,
               (const char *const[]){"one", "two", "", "three", "four", NULL});
    /* cells 0 is taken as 1 rather than looping. */
    check_wrap("ab", 0, (const char *const[]){"a", "b", NULL});
}

/* Every wrapped line fits its width and the lines, with the breaks, cover the whole text. */
static void wrapping_properties(void **state)
{
    const char *texts[] = {
        "The quick brown fox jumps over the lazy dog.",
        "日本語のテキストと English words 混在 😀😀 e\xcc\x81\xcc\x81 end",
        "  leading and   multiple   spaces  ",
        "a\nbb\n\nccc dddd eeeee ffffff\n",
    };
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        for (size_t cells = 2; cells <= 30; cells++) {
            struct cells_line *lines;
            size_t n = cells_wrap(texts[t], cells, &lines);
            assert_true(n >= 1);
            size_t covered = 0;
            for (size_t i = 0; i < n; i++) {
                assert_true(cells_width_n(texts[t] + lines[i].start, lines[i].len) <= cells);
                /* Between lines: nothing (a cut word), or one space or newline. */
                size_t gap = lines[i].start - covered;
                assert_true(gap <= 1);
                if (gap == 1)
                    assert_true(strchr(" \n", texts[t][covered]) != NULL);
                covered = lines[i].start + lines[i].len;
            }
            assert_int_equal(covered, strlen(texts[t]));
            free(lines);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(widths),
        cmocka_unit_test(decoding),
        cmocka_unit_test(prefixes),
        cmocka_unit_test(fitting),
        cmocka_unit_test(wrapping),
        cmocka_unit_test(wrapping_properties),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
