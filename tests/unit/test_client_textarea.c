/* widgets/textarea: the comment editor's keys, UTF-8 editing, wrapping and drawing. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "widgets/cells.h"
#include "widgets/textarea.h"

static int setup(void **state)
{
    return setlocale(LC_ALL, "C.UTF-8") == NULL ? -1 : 0;
}

/* A text area placed w cells wide (so it wraps at w - 1) and h high. */
static struct textarea *new_area(size_t max, int h, int w)
{
    struct textarea *t = textarea_new(max);
    assert_non_null(t);
    widget_place(textarea_widget(t), 0, 0, h, w);
    return t;
}

static int press(struct textarea *t, struct key k)
{
    return widget_on_key(textarea_widget(t), k);
}

static int code(struct textarea *t, int keycode)
{
    return press(t, key_code(keycode));
}

/* Types s one code point at a time, as wget_wch would deliver it. */
static void type(struct textarea *t, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned cp;
        i += cells_decode(s + i, n - i, &cp);
        press(t, key_char(cp));
    }
}

static void assert_cell(struct textarea *t, size_t width, size_t row, size_t col)
{
    size_t r, c;
    textarea_cursor_cell(t, width, &r, &c);
    assert_int_equal(r, row);
    assert_int_equal(c, col);
}

static void inserting(void **state)
{
    struct textarea *t = new_area(2000, 5, 20);
    assert_string_equal(textarea_text(t), "");
    assert_int_equal(press(t, key_char('h')), WIDGET_HANDLED | WIDGET_CHANGED);
    type(t, "i");
    assert_string_equal(textarea_text(t), "hi");
    assert_int_equal(textarea_cursor_offset(t), 2);
    assert_int_equal(textarea_length(t), 2);
    assert_int_equal(textarea_remaining(t), 1998);
    /* Insertion happens at the cursor, not at the end. */
    code(t, KEY_LEFT);
    type(t, "XY");
    assert_string_equal(textarea_text(t), "hXYi");
    assert_int_equal(textarea_cursor_offset(t), 3);
    widget_destroy(textarea_widget(t));
}

static void inserting_multibyte(void **state)
{
    struct textarea *t = new_area(2000, 5, 20);
    type(t, "日é😀");
    assert_string_equal(textarea_text(t), "日é😀");
    assert_int_equal(textarea_length(t), 3);
    assert_int_equal(textarea_cursor_offset(t), 3 + 2 + 4);
    assert_cell(t, 19, 0, 2 + 1 + 2);
    code(t, KEY_HOME);
    type(t, "ü");
    assert_string_equal(textarea_text(t), "ü日é😀");
    assert_int_equal(textarea_cursor_offset(t), 2);
    widget_destroy(textarea_widget(t));
}

static void enter_variants(void **state)
{
    struct textarea *t = new_area(2000, 5, 20);
    type(t, "a");
    assert_int_equal(press(t, key_char('\n')), WIDGET_HANDLED | WIDGET_CHANGED);
    type(t, "b");
    assert_int_equal(press(t, key_char('\r')), WIDGET_HANDLED | WIDGET_CHANGED);
    type(t, "c");
    assert_int_equal(code(t, KEY_ENTER), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_string_equal(textarea_text(t), "a\nb\nc\n");
    assert_cell(t, 19, 3, 0);
    widget_destroy(textarea_widget(t));
}

static void deleting_by_code_point(void **state)
{
    struct textarea *t = new_area(2000, 5, 20);
    type(t, "a日e\xcc\x81");
    /* Backspace takes the combining mark alone: one code point, not the whole character. */
    assert_int_equal(code(t, KEY_BACKSPACE), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_string_equal(textarea_text(t), "a日e");
    assert_int_equal(press(t, key_char(127)), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_string_equal(textarea_text(t), "a日");
    assert_int_equal(press(t, key_char(8)), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_string_equal(textarea_text(t), "a");
    assert_int_equal(textarea_length(t), 1);
    code(t, KEY_BACKSPACE);
    assert_string_equal(textarea_text(t), "");
    /* Nothing left to remove: handled (the key is the editor's), nothing changed. */
    assert_int_equal(code(t, KEY_BACKSPACE), WIDGET_HANDLED);

    textarea_set_text(t, "x日😀y");
    code(t, KEY_HOME);
    code(t, KEY_RIGHT);
    assert_int_equal(code(t, KEY_DC), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_string_equal(textarea_text(t), "x😀y");
    assert_int_equal(textarea_cursor_offset(t), 1);
    code(t, KEY_DC);
    assert_string_equal(textarea_text(t), "xy");
    assert_int_equal(textarea_length(t), 2);
    code(t, KEY_END);
    assert_int_equal(code(t, KEY_DC), WIDGET_HANDLED);
    assert_string_equal(textarea_text(t), "xy");
    widget_destroy(textarea_widget(t));
}

static void moving_over_combining_marks(void **state)
{
    struct textarea *t = new_area(2000, 5, 20);
    /* a, e with two marks (5 bytes), b */
    textarea_set_text(t, "ae\xcc\x81\xcc\xa3" "b");
    assert_int_equal(textarea_cursor_offset(t), 7);
    assert_int_equal(code(t, KEY_LEFT), WIDGET_HANDLED);
    assert_int_equal(textarea_cursor_offset(t), 6);
    code(t, KEY_LEFT);
    assert_int_equal(textarea_cursor_offset(t), 1);
    code(t, KEY_LEFT);
    assert_int_equal(textarea_cursor_offset(t), 0);
    assert_int_equal(code(t, KEY_LEFT), WIDGET_HANDLED);
    assert_int_equal(textarea_cursor_offset(t), 0);
    code(t, KEY_RIGHT);
    assert_int_equal(textarea_cursor_offset(t), 1);
    code(t, KEY_RIGHT);
    assert_int_equal(textarea_cursor_offset(t), 6);
    code(t, KEY_RIGHT);
    code(t, KEY_RIGHT);
    assert_int_equal(textarea_cursor_offset(t), 7);
    /* A mark right after a newline has no base: it is a step of its own. */
    textarea_set_text(t, "x\n\xcc\x81y");
    code(t, KEY_LEFT);
    assert_int_equal(textarea_cursor_offset(t), 4);
    code(t, KEY_LEFT);
    assert_int_equal(textarea_cursor_offset(t), 2);
    code(t, KEY_LEFT);
    assert_int_equal(textarea_cursor_offset(t), 1);
    widget_destroy(textarea_widget(t));
}

static void up_down_keep_the_goal_column(void **state)
{
    /* 11 wide: wraps at 10. */
    struct textarea *t = new_area(2000, 5, 11);
    textarea_set_text(t, "0123456789\nab\n01234567");
    code(t, KEY_LEFT); /* row 2, column 7 */
    assert_cell(t, 10, 2, 7);
    assert_int_equal(code(t, KEY_UP), WIDGET_HANDLED);
    assert_cell(t, 10, 1, 2); /* "ab" is shorter: its end */
    code(t, KEY_UP);
    assert_cell(t, 10, 0, 7); /* the goal column again */
    code(t, KEY_DOWN);
    code(t, KEY_DOWN);
    assert_cell(t, 10, 2, 7);
    /* Past the last line: the end of the text; past the first: its start. */
    code(t, KEY_DOWN);
    assert_int_equal(textarea_cursor_offset(t), strlen(textarea_text(t)));
    code(t, KEY_UP);
    code(t, KEY_UP);
    code(t, KEY_UP);
    code(t, KEY_UP);
    assert_int_equal(textarea_cursor_offset(t), 0);
    /* Another key forgets the goal. */
    textarea_set_text(t, "0123456789\nab\n01234567");
    code(t, KEY_UP);
    assert_cell(t, 10, 1, 2);
    code(t, KEY_LEFT);
    code(t, KEY_UP);
    assert_cell(t, 10, 0, 1);

    /* Across wrapped lines and wide characters: never past the goal. */
    textarea_set_text(t, "abc 日本語日本語 xyz");
    /* wraps at 10: "abc", "日本語日本", "語 xyz" */
    code(t, KEY_HOME);
    code(t, KEY_RIGHT);
    code(t, KEY_RIGHT);
    code(t, KEY_RIGHT);
    code(t, KEY_RIGHT); /* row 2, column 5: "語 xy|z" */
    assert_cell(t, 10, 2, 5);
    code(t, KEY_UP);
    assert_cell(t, 10, 1, 4); /* column 5 is inside 語: stop before it */
    code(t, KEY_UP);
    assert_cell(t, 10, 0, 3);
    code(t, KEY_DOWN);
    code(t, KEY_DOWN);
    assert_cell(t, 10, 2, 5);
    widget_destroy(textarea_widget(t));
}

static void paging(void **state)
{
    struct textarea *t = new_area(2000, 3, 11);
    textarea_set_text(t, "l0\nl1\nl2\nl3\nl4\nl5\nl6\nl7");
    code(t, KEY_HOME);
    code(t, KEY_RIGHT); /* row 7, column 1 */
    assert_int_equal(code(t, KEY_PPAGE), WIDGET_HANDLED);
    assert_cell(t, 10, 4, 1);
    code(t, KEY_PPAGE);
    assert_cell(t, 10, 1, 1);
    code(t, KEY_PPAGE);
    assert_cell(t, 10, 0, 1);
    code(t, KEY_PPAGE);
    assert_int_equal(textarea_cursor_offset(t), 0);
    code(t, KEY_NPAGE);
    assert_cell(t, 10, 3, 1);
    widget_destroy(textarea_widget(t));
}

static void home_end_on_wrapped_lines(void **state)
{
    struct textarea *t = new_area(2000, 5, 8); /* wraps at 7 */
    textarea_set_text(t, "hello world again");
    /* "hello", "world", "again" */
    code(t, KEY_UP); /* into "world" */
    assert_cell(t, 7, 1, 5);
    assert_int_equal(code(t, KEY_HOME), WIDGET_HANDLED);
    assert_int_equal(textarea_cursor_offset(t), 6);
    assert_int_equal(code(t, KEY_END), WIDGET_HANDLED);
    assert_int_equal(textarea_cursor_offset(t), 11);
    assert_int_equal(press(t, key_char(CTRL('a'))), WIDGET_HANDLED);
    assert_int_equal(textarea_cursor_offset(t), 6);
    assert_int_equal(press(t, key_char(CTRL('e'))), WIDGET_HANDLED);
    assert_int_equal(textarea_cursor_offset(t), 11);
    assert_string_equal(textarea_text(t), "hello world again");

    /* A word cut across lines: End stops before the last character, since the offset after
     * it is where the next line starts. */
    textarea_set_text(t, "abcdefghij"); /* "abcdefg", "hij" */
    code(t, KEY_UP);
    assert_cell(t, 7, 0, 3);
    code(t, KEY_END);
    assert_int_equal(textarea_cursor_offset(t), 6);
    assert_cell(t, 7, 0, 6);
    code(t, KEY_DOWN);
    code(t, KEY_HOME);
    assert_int_equal(textarea_cursor_offset(t), 7);
    assert_cell(t, 7, 1, 0);
    code(t, KEY_END);
    assert_int_equal(textarea_cursor_offset(t), 10);
    widget_destroy(textarea_widget(t));
}

static void max_chars(void **state)
{
    struct textarea *t = new_area(5, 5, 20);
    type(t, "abcd");
    assert_int_equal(textarea_remaining(t), 1);
    assert_int_equal(press(t, key_char('e')), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_int_equal(press(t, key_char('f')), WIDGET_HANDLED);
    assert_int_equal(code(t, KEY_ENTER), WIDGET_HANDLED);
    assert_string_equal(textarea_text(t), "abcde");
    assert_int_equal(textarea_remaining(t), 0);
    code(t, KEY_BACKSPACE);
    assert_int_equal(press(t, key_char(0x65E5)), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_string_equal(textarea_text(t), "abcd日");
    widget_destroy(textarea_widget(t));

    /* Characters, not bytes. */
    t = new_area(3, 5, 20);
    type(t, "日本語x");
    assert_string_equal(textarea_text(t), "日本語");
    textarea_set_text(t, "😀😀😀😀");
    assert_string_equal(textarea_text(t), "😀😀😀");
    assert_int_equal(textarea_length(t), 3);
    widget_destroy(textarea_widget(t));
}

static void set_text_sanitizes(void **state)
{
    struct textarea *t = new_area(2000, 5, 20);
    textarea_set_text(t, "a\x1b[31mb\tc\r\nd\xff\x7f" "e\xc2\x9b" "f\xe2\x80\xae" "g\xed\xa0\x80");
    /* The surrogate's three bytes are three invalid bytes, each one U+FFFD. */
    assert_string_equal(textarea_text(t), "a[31mbc\nd\xef\xbf\xbd"
                                          "efg\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(textarea_cursor_offset(t), strlen(textarea_text(t)));
    assert_int_equal(textarea_length(t), 16);
    textarea_set_text(t, NULL);
    assert_string_equal(textarea_text(t), "");
    assert_int_equal(textarea_length(t), 0);
    assert_int_equal(textarea_cursor_offset(t), 0);
    /* Typed controls never get in either. */
    assert_int_equal(press(t, key_char(0x9B)), WIDGET_IGNORED);
    assert_int_equal(press(t, key_char(0x202E)), WIDGET_IGNORED);
    assert_int_equal(press(t, key_char(0xD800)), WIDGET_IGNORED);
    assert_string_equal(textarea_text(t), "");
    widget_destroy(textarea_widget(t));
}

static void flags(void **state)
{
    struct textarea *t = new_area(2000, 5, 20);
    struct widget *w = textarea_widget(t);
    /* Keys the screen needs pass through. */
    assert_int_equal(press(t, key_char('\t')), WIDGET_IGNORED);
    assert_int_equal(press(t, key_char(27)), WIDGET_IGNORED);
    assert_int_equal(press(t, key_char(CTRL('s'))), WIDGET_IGNORED);
    assert_int_equal(code(t, KEY_F(10)), WIDGET_IGNORED);
    assert_int_equal(code(t, KEY_BTAB), WIDGET_IGNORED);
    assert_int_equal(code(t, KEY_RESIZE), WIDGET_IGNORED);
    assert_string_equal(textarea_text(t), "");
    /* While the editor has the keys, q and ? are text. */
    w->dirty = false;
    assert_int_equal(press(t, key_char('q')), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_true(w->dirty);
    assert_int_equal(press(t, key_char('?')), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_string_equal(textarea_text(t), "q?");
    /* A move is handled and redraws, but changes nothing. */
    w->dirty = false;
    assert_int_equal(code(t, KEY_LEFT), WIDGET_HANDLED);
    assert_true(w->dirty);
    assert_int_equal(code(t, KEY_UP), WIDGET_HANDLED);
    assert_int_equal(code(t, KEY_DOWN), WIDGET_HANDLED);
    assert_int_equal(code(t, KEY_HOME), WIDGET_HANDLED);
    assert_int_equal(code(t, KEY_END), WIDGET_HANDLED);
    widget_destroy(w);
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A paste is a stream of keys; 2000 characters (and more, refused) must go through. */
static void paste(void **state)
{
    struct textarea *t = new_area(2000, 10, 60);
    const char *chunk = "Great session, 日本語 e\xcc\x81 😀\n";
    double t0 = seconds();
    for (int i = 0; i < 200; i++)
        type(t, chunk);
    double t1 = seconds();
    assert_int_equal(textarea_length(t), 2000);
    assert_int_equal(textarea_remaining(t), 0);
    /* The same again, typed at the start, where every key moves the whole text. */
    textarea_set_text(t, "");
    for (int i = 0; i < 2000; i++) {
        code(t, KEY_HOME);
        press(t, key_char(i % 2 ? 0x65E5 : 'x'));
        code(t, KEY_LEFT);
    }
    double t2 = seconds();
    assert_int_equal(textarea_length(t), 2000);
    print_message("# paste of 2000 characters: %.1f ms at the end, %.1f ms at the start\n",
                  (t1 - t0) * 1e3, (t2 - t1) * 1e3);
    widget_destroy(textarea_widget(t));
}

/* Drawing on a curses window of a terminal that writes to /dev/null. */
static void drawing(void **state)
{
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    assert_non_null(out);
    assert_non_null(in);
    SCREEN *screen = newterm("xterm", out, in);
    if (screen == NULL) {
        fclose(out);
        fclose(in);
        skip();
    }
    WINDOW *win = newwin(8, 30, 0, 0);
    assert_non_null(win);
    for (int y = 0; y < 8; y++)
        mvwaddstr(win, y, 0, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");

    struct textarea *t = textarea_new(2000);
    struct widget *w = textarea_widget(t);
    widget_place(w, 2, 3, 3, 11); /* wraps at 10 */
    textarea_set_text(t, "one two three four five 日本語 six");
    /* "one two", "three four", "five", "日本語 six": the cursor ends the 4th of 3 rows. */
    widget_draw(w, win, true);
    assert_false(w->dirty);
    char row[64];
    const char *want[] = {"three four ", "five       ", "日本語 six "};
    for (int r = 0; r < 3; r++) {
        wchar_t wwant[32], wrow[32];
        int n = (int)mbstowcs(wwant, want[r], 32);
        assert_int_equal(mvwinnwstr(win, 2 + r, 3, wrow, n), n);
        assert_true(wcstombs(row, wrow, sizeof row) != (size_t)-1);
        assert_string_equal(row, want[r]);
    }
    /* Nothing outside the rectangle was touched. */
    mvwinnstr(win, 1, 0, row, 30);
    assert_string_equal(row, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    mvwinnstr(win, 2, 0, row, 3);
    assert_string_equal(row, "XXX");
    mvwinnstr(win, 2, 14, row, 16);
    assert_string_equal(row, "XXXXXXXXXXXXXXXX");
    mvwinnstr(win, 5, 0, row, 30);
    assert_string_equal(row, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    int y, x;
    assert_true(widget_cursor(w, &y, &x));
    assert_int_equal(y, 2 + 2);
    assert_int_equal(x, 3 + 10); /* after a full line: the cell kept for the cursor */

    /* Back to the top: the view follows the cursor. */
    code(t, KEY_PPAGE);
    code(t, KEY_PPAGE);
    widget_draw(w, win, true);
    mvwinnstr(win, 2, 3, row, 11);
    assert_string_equal(row, "one two    ");
    assert_true(widget_cursor(w, &y, &x));
    assert_int_equal(y, 2);
    assert_int_equal(x, 3);

    /* Without focus there is no cursor; a shorter text clears the lines it left. */
    textarea_set_text(t, "hi");
    widget_draw(w, win, false);
    assert_false(widget_cursor(w, &y, &x));
    mvwinnstr(win, 2, 3, row, 11);
    assert_string_equal(row, "hi         ");
    mvwinnstr(win, 3, 3, row, 11);
    assert_string_equal(row, "           ");

    widget_destroy(w);
    delwin(win);
    endwin();
    delscreen(screen);
    fclose(out);
    fclose(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inserting),
        cmocka_unit_test(inserting_multibyte),
        cmocka_unit_test(enter_variants),
        cmocka_unit_test(deleting_by_code_point),
        cmocka_unit_test(moving_over_combining_marks),
        cmocka_unit_test(up_down_keep_the_goal_column),
        cmocka_unit_test(paging),
        cmocka_unit_test(home_end_on_wrapped_lines),
        cmocka_unit_test(max_chars),
        cmocka_unit_test(set_text_sanitizes),
        cmocka_unit_test(flags),
        cmocka_unit_test(paste),
        cmocka_unit_test(drawing),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
