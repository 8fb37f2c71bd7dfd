/* widgets/: key handling and values of the checklist, stars, dialog, sidebar, help and key
 * tables without a terminal; then each widget drawn into an ncurses screen written to
 * /dev/null and read back cell by cell (placement, cutting in cells, attributes, and that
 * nothing is drawn outside the widget's rectangle). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "themes/theme.h"
#include "widgets/checklist.h"
#include "widgets/dialog.h"
#include "widgets/help.h"
#include "widgets/keybar.h"
#include "widgets/keys.h"
#include "widgets/sidebar.h"
#include "widgets/stars.h"
#include "widgets/timer.h"

#define K(c) key_char(c)
#define KC(c) key_code(c)

enum { ACT_JOIN = 1, ACT_TICK, ACT_SIDEBAR, ACT_END, ACT_FEEDBACK, ACT_HELP, ACT_QUIT };

static const struct keydef room_keys[] = {
    {ACT_JOIN, {'\r', '\n', KEYCODE(KEY_ENTER)}, "Enter", "Join", "Open the meeting", true},
    {ACT_TICK, {' '}, "Space", "Tick", "Tick or untick the item under the cursor", true},
    {ACT_SIDEBAR, {'s'}, "s", "Sidebar", "Show or hide the session sidebar", true},
    {ACT_END, {'e'}, "e", "End", "End the session (asks first)", true},
    {ACT_FEEDBACK, {'f', CTRL('f'), KEYCODE(KEY_F(2))}, "f", "Feedback", NULL, false},
    {ACT_HELP, {'?', KEYCODE(KEY_F(1))}, "?", "Help", "Show the keys", true},
    {ACT_QUIT, {'q', KEYCODE(KEY_F(10))}, "q", "Quit", "Back, or quit", true},
    {ACT_JOIN + 100, {'s'}, "s", "Shadowed", "Never matched: 's' is taken above", false},
};
#define N_ROOM_KEYS (sizeof room_keys / sizeof *room_keys)

static void keys_match_table(void **state)
{
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K('\n')), ACT_JOIN);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K('\r')), ACT_JOIN);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, KC(KEY_ENTER)), ACT_JOIN);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K(' ')), ACT_TICK);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K('s')), ACT_SIDEBAR);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K(CTRL('f'))), ACT_FEEDBACK);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, KC(KEY_F(2))), ACT_FEEDBACK);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, KC(KEY_F(10))), ACT_QUIT);
    /* A character and a function key with the same number are different keys. */
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K(KEY_F(1))), -1);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, KC('?')), -1);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K('S')), -1);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K('x')), -1);
    assert_int_equal(keys_match(room_keys, N_ROOM_KEYS, K(0)), -1);
    assert_int_equal(keys_match(room_keys, 0, K('q')), -1);
    assert_int_equal(keys_match(room_keys, 3, K('q')), -1); /* only the first n entries */
}

static void checklist_keys(void **state)
{
    struct checklist *c = checklist_new();
    struct widget *w = checklist_widget(c);
    assert_int_equal(widget_on_key(w, K(' ')), WIDGET_IGNORED); /* nothing to tick yet */
    assert_true(checklist_all_checked(c));
    assert_int_equal(checklist_add(c, "Audio", "2 capture devices found"), 0);
    assert_int_equal(checklist_add(c, "Video", NULL), 1);
    assert_int_equal(checklist_add(c, "Goals", "Review the notes"), 2);
    assert_int_equal(checklist_count(c), 3);
    assert_int_equal(checklist_cursor(c), 0);
    assert_false(checklist_all_checked(c));

    assert_int_equal(widget_on_key(w, KC(KEY_UP)), WIDGET_HANDLED); /* at the top: stays */
    assert_int_equal(checklist_cursor(c), 0);
    assert_int_equal(widget_on_key(w, KC(KEY_DOWN)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('j')), WIDGET_HANDLED);
    assert_int_equal(checklist_cursor(c), 2);
    assert_int_equal(widget_on_key(w, K('j')), WIDGET_HANDLED); /* at the bottom: stays */
    assert_int_equal(checklist_cursor(c), 2);
    assert_int_equal(widget_on_key(w, K('k')), WIDGET_HANDLED);
    assert_int_equal(checklist_cursor(c), 1);
    assert_int_equal(widget_on_key(w, KC(KEY_HOME)), WIDGET_HANDLED);
    assert_int_equal(checklist_cursor(c), 0);
    assert_int_equal(widget_on_key(w, KC(KEY_END)), WIDGET_HANDLED);
    assert_int_equal(checklist_cursor(c), 2);

    w->dirty = false;
    assert_int_equal(widget_on_key(w, K(' ')), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_true(w->dirty);
    assert_true(checklist_checked(c, 2));
    assert_int_equal(widget_on_key(w, K(' ')), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_false(checklist_checked(c, 2)); /* Space unticks too */

    for (int i = 0; i < 3; i++) {
        assert_false(checklist_all_checked(c));
        checklist_set_checked(c, i, true);
    }
    assert_true(checklist_all_checked(c));
    checklist_set_checked(c, 1, false);
    assert_false(checklist_all_checked(c));
    /* Out of range is no item: never checked, never a crash. */
    checklist_set_checked(c, 7, true);
    checklist_set_hint(c, -1, "x");
    assert_false(checklist_checked(c, 3));
    assert_false(checklist_checked(c, -1));
    checklist_set_hint(c, 1, "1 camera found");
    checklist_set_hint(c, 1, NULL);

    /* Keys that are the screen's. */
    assert_int_equal(widget_on_key(w, K('\n')), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(w, K('x')), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(w, KC(KEY_LEFT)), WIDGET_IGNORED);
    widget_destroy(w);
}

static void stars_keys(void **state)
{
    struct stars *s = stars_new(5);
    struct widget *w = stars_widget(s);
    assert_int_equal(stars_value(s), 0);
    /* Left never gives "not rated": at 0 it does nothing. */
    assert_int_equal(widget_on_key(w, KC(KEY_LEFT)), WIDGET_HANDLED);
    assert_int_equal(stars_value(s), 0);
    assert_int_equal(widget_on_key(w, KC(KEY_RIGHT)), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_int_equal(stars_value(s), 1);
    assert_int_equal(widget_on_key(w, KC(KEY_LEFT)), WIDGET_HANDLED); /* clamped at 1 */
    assert_int_equal(stars_value(s), 1);
    stars_set(s, 0);
    for (int v = 1; v <= 5; v++) {
        assert_int_equal(widget_on_key(w, K('0' + v)), WIDGET_HANDLED | WIDGET_CHANGED);
        assert_int_equal(stars_value(s), v);
        assert_int_equal(widget_on_key(w, K('0' + v)), WIDGET_HANDLED); /* the same again */
    }
    assert_int_equal(widget_on_key(w, K('l')), WIDGET_HANDLED); /* clamped at 5 */
    assert_int_equal(stars_value(s), 5);
    assert_int_equal(widget_on_key(w, K('h')), WIDGET_HANDLED | WIDGET_CHANGED);
    assert_int_equal(stars_value(s), 4);
    assert_int_equal(widget_on_key(w, K('6')), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(w, K('0')), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(w, K('\t')), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(w, KC(KEY_UP)), WIDGET_IGNORED);
    assert_int_equal(stars_value(s), 4);

    stars_set(s, 9);
    assert_int_equal(stars_value(s), 5);
    stars_set(s, -3);
    assert_int_equal(stars_value(s), 0);
    stars_set(s, 2);
    assert_int_equal(stars_value(s), 2);
    widget_destroy(w);

    /* Another scale: the digits follow it. */
    s = stars_new(3);
    assert_int_equal(widget_on_key(stars_widget(s), K('4')), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(stars_widget(s), K('3')), WIDGET_HANDLED | WIDGET_CHANGED);
    widget_destroy(stars_widget(s));
    s = stars_new(0); /* at least one star */
    assert_int_equal(widget_on_key(stars_widget(s), K('1')), WIDGET_HANDLED | WIDGET_CHANGED);
    widget_destroy(stars_widget(s));

    assert_string_equal(stars_label(1, 5), "Poor");
    assert_string_equal(stars_label(3, 5), "Good");
    assert_string_equal(stars_label(5, 5), "Excellent");
    assert_string_equal(stars_label(0, 5), "");
    assert_string_equal(stars_label(6, 5), "");
    assert_string_equal(stars_label(3, 3), "");
}

static void dialog_keys(void **state)
{
    const char *const yes_no[] = {"Yes", "No", NULL};
    struct dialog *d = dialog_new(42, "End the session?", "Mark it completed.", yes_no, 1);
    struct widget *w = dialog_widget(d);
    assert_int_equal(dialog_tag(d), 42);
    assert_int_equal(dialog_choice(d), -1);
    /* Enter chooses the focused button; the arrows and Tab move the focus round. */
    assert_int_equal(widget_on_key(w, KC(KEY_RIGHT)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('\r')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 0);
    assert_int_equal(widget_on_key(w, K('\t')), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('\n')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 1);
    assert_int_equal(widget_on_key(w, KC(KEY_LEFT)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, KC(KEY_ENTER)), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 0);
    assert_int_equal(widget_on_key(w, KC(KEY_BTAB)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('\n')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 1);
    /* First letters, either case. */
    assert_int_equal(widget_on_key(w, K('y')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 0);
    assert_int_equal(widget_on_key(w, K('N')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 1);
    assert_int_equal(widget_on_key(w, K('Y')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 0);
    /* Esc cancels: no choice. */
    assert_int_equal(widget_on_key(w, K(27)), WIDGET_HANDLED | WIDGET_CANCEL);
    assert_int_equal(dialog_choice(d), -1);
    /* Modal: everything else is taken and does nothing. */
    const struct key others[] = {K('q'), K('x'), K('?'), K(' '), K('1'), K(CTRL('s')),
                                 KC(KEY_F(10)), KC(KEY_UP), KC(KEY_DOWN), K(0x00e9)};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        assert_int_equal(widget_on_key(w, others[i]), WIDGET_HANDLED);
        assert_int_equal(dialog_choice(d), -1);
    }
    /* A resize is not a key for the dialog. */
    assert_int_equal(widget_on_key(w, KC(KEY_RESIZE)), WIDGET_IGNORED);
    widget_destroy(w);

    /* No buttons given: one "OK". Focus out of range is clamped. */
    d = dialog_new(1, "Sent", "Your feedback was sent.", NULL, 5);
    w = dialog_widget(d);
    assert_int_equal(widget_on_key(w, KC(KEY_RIGHT)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('\n')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 0);
    assert_int_equal(widget_on_key(w, K('o')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    widget_destroy(w);

    /* Three buttons, the first letter of a non-ASCII label, a shared letter: the first wins. */
    const char *const three[] = {"Übernehmen", "Copy", "Cancel", NULL};
    d = dialog_new(2, NULL, NULL, three, -4);
    w = dialog_widget(d);
    assert_int_equal(widget_on_key(w, K(0x00fc)), WIDGET_HANDLED | WIDGET_ACTIVATE); /* ü */
    assert_int_equal(dialog_choice(d), 0);
    assert_int_equal(widget_on_key(w, K('c')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 1);
    assert_int_equal(widget_on_key(w, KC(KEY_LEFT)), WIDGET_HANDLED); /* 1 -> 0 */
    assert_int_equal(widget_on_key(w, KC(KEY_LEFT)), WIDGET_HANDLED); /* 0 -> 2 */
    assert_int_equal(widget_on_key(w, K('\n')), WIDGET_HANDLED | WIDGET_ACTIVATE);
    assert_int_equal(dialog_choice(d), 2);
    widget_destroy(w);
}

/* Ten four-letter words: 49 cells. */
#define WORDS "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj"

static void sidebar_heights(void **state)
{
    struct sidebar *s = sidebar_new("Session");
    assert_int_equal(sidebar_content_height(s, 40), 1); /* the title */
    sidebar_add(s, "Mentee", "Meera Nair");
    sidebar_add(s, "Package", "Career Clarity");
    assert_int_equal(sidebar_content_height(s, 40), 3);
    /* Width 40: the label column is 7 ("Package"), values get 40 - 2 - 7 - 2 = 29 cells:
     * six words a line (29 cells), so two lines. */
    sidebar_add(s, "Email", WORDS);
    assert_int_equal(sidebar_content_height(s, 40), 5);
    /* Width 22: values get 11 cells: "Career Clarity" takes two lines, WORDS five (two
     * words a line). */
    assert_int_equal(sidebar_content_height(s, 22), 1 + 1 + 2 + 5);
    /* Width 20: a value would get 9 cells, too few: values go under their labels, in
     * 16 cells (three words a line: 4 lines for WORDS). */
    assert_int_equal(sidebar_content_height(s, 20), 1 + 2 + 2 + (1 + 4));

    /* Notes: a blank line, the heading, the text wrapped, its newlines kept. */
    sidebar_add_text(s, "Notes", "one two\nthree");
    assert_int_equal(sidebar_content_height(s, 40), 5 + 1 + 1 + 2);
    sidebar_clear(s);
    assert_int_equal(sidebar_content_height(s, 40), 1);
    /* A paragraph first has no blank line before it; an empty one still has its line. */
    sidebar_add_text(s, "Notes", "");
    assert_int_equal(sidebar_content_height(s, 40), 1 + 1 + 1);
    sidebar_clear(s);
    /* Wide characters never straddle the edge: 6 CJK characters are 12 cells; in 6 cells
     * (width 8) they take two lines, in 5 cells (width 7) three. */
    sidebar_add_text(s, "Notes", "日本語日本語");
    assert_int_equal(sidebar_content_height(s, 8), 1 + 1 + 2);
    assert_int_equal(sidebar_content_height(s, 7), 1 + 1 + 3);
    /* Combining marks take no cells: five "é" made of e + U+0301 fit in 5 cells. */
    sidebar_clear(s);
    sidebar_add_text(s, "Notes", "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81" "e\xcc\x81");
    assert_int_equal(sidebar_content_height(s, 7), 1 + 1 + 1);
    assert_int_equal(sidebar_content_height(s, 6), 1 + 1 + 2);
    /* Degenerate widths do not crash and still count every entry. */
    assert_true(sidebar_content_height(s, 0) >= 3);
    assert_true(sidebar_content_height(s, 1) >= 3);
    widget_destroy(sidebar_widget(s));
}

static void sidebar_scroll_keys(void **state)
{
    struct sidebar *s = sidebar_new("Session");
    struct widget *w = sidebar_widget(s);
    sidebar_add(s, "Mentee", "Meera Nair");
    widget_place(w, 0, 0, 8, 30);
    /* Everything shows: the keys are the screen's. */
    assert_int_equal(widget_on_key(w, KC(KEY_DOWN)), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(w, K('j')), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(w, KC(KEY_NPAGE)), WIDGET_IGNORED);
    sidebar_add_text(s, "Notes", WORDS " " WORDS " " WORDS);
    assert_true(sidebar_content_height(s, 30) > 8);
    assert_int_equal(widget_on_key(w, KC(KEY_DOWN)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, KC(KEY_UP)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, KC(KEY_UP)), WIDGET_HANDLED); /* at the top: stays */
    assert_int_equal(widget_on_key(w, KC(KEY_NPAGE)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, KC(KEY_PPAGE)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('x')), WIDGET_IGNORED);
    assert_int_equal(widget_on_key(w, K(' ')), WIDGET_IGNORED);
    widget_destroy(w);
}

static void help_keys(void **state)
{
    struct help *h = help_new("Keys: room", room_keys, N_ROOM_KEYS);
    struct widget *w = help_widget(h);
    /* Room for every line: every key closes it, the scrolling ones too. */
    widget_place(w, 0, 0, 22, 80);
    assert_int_equal(widget_on_key(w, K('x')), WIDGET_HANDLED | WIDGET_CANCEL);
    assert_int_equal(widget_on_key(w, K('?')), WIDGET_HANDLED | WIDGET_CANCEL);
    assert_int_equal(widget_on_key(w, K(27)), WIDGET_HANDLED | WIDGET_CANCEL);
    assert_int_equal(widget_on_key(w, KC(KEY_DOWN)), WIDGET_HANDLED | WIDGET_CANCEL);
    assert_int_equal(widget_on_key(w, KC(KEY_RESIZE)), WIDGET_IGNORED);
    /* Five rows for eight keys: the scrolling keys scroll, the others still close. */
    widget_place(w, 0, 0, 7, 80);
    assert_int_equal(widget_on_key(w, KC(KEY_DOWN)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('j')), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, KC(KEY_NPAGE)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, KC(KEY_PPAGE)), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('k')), WIDGET_HANDLED);
    assert_int_equal(widget_on_key(w, K('q')), WIDGET_HANDLED | WIDGET_CANCEL);
    assert_int_equal(widget_on_key(w, K('\n')), WIDGET_HANDLED | WIDGET_CANCEL);
    widget_destroy(w);
}

/* Drawing: a 100x30 screen whose output goes to /dev/null. */

static SCREEN *screen;
static FILE *term_out, *term_in;

static int draw_setup(void **state)
{
    char err[256];
    if (!theme_select("mono", NULL, true, err, sizeof err))
        return -1;
    setenv("TERM", "xterm-256color", 1);
    setenv("LINES", "30", 1);
    setenv("COLUMNS", "100", 1);
    use_env(TRUE);
    term_out = fopen("/dev/null", "w");
    term_in = fopen("/dev/null", "r");
    if (!term_out || !term_in)
        return -1;
    screen = newterm("xterm-256color", term_out, term_in);
    if (screen == NULL)
        return -1;
    theme_apply();
    return LINES == 30 && COLS == 100 ? 0 : -1;
}

static int draw_teardown(void **state)
{
    endwin();
    delscreen(screen);
    fclose(term_out);
    fclose(term_in);
    return 0;
}

/* Fills the screen with '#' so that cells a widget must not touch can be checked. */
static void fill(void)
{
    wattrset(stdscr, A_NORMAL);
    for (int y = 0; y < LINES; y++)
        mvwhline(stdscr, y, 0, '#', COLS);
}

/* The characters of cells [x, x + n) of row y as UTF-8 (a wide character once). */
static const char *cells_at(int y, int x, int n)
{
    static char out[1024];
    size_t len = 0;
    for (int i = 0; i < n && x + i < COLS; i++) {
        cchar_t cc;
        wchar_t wch[CCHARW_MAX + 1];
        attr_t attrs;
        short pair;
        mvwin_wch(stdscr, y, x + i, &cc);
        getcchar(&cc, wch, &attrs, &pair, NULL);
        for (int j = 0; wch[j] && len + MB_CUR_MAX < sizeof out; j++) {
            int n8 = wctomb(out + len, wch[j]);
            len += n8 > 0 ? (size_t)n8 : 0;
        }
        if (wch[0] && wcwidth(wch[0]) == 2)
            i++;
    }
    out[len] = '\0';
    return out;
}

/* Row y from x, up to n cells, with trailing blanks removed. */
static const char *row(int y, int x, int n)
{
    char *s = (char *)cells_at(y, x, n);
    size_t len = strlen(s);
    while (len > 0 && s[len - 1] == ' ')
        s[--len] = '\0';
    return s;
}

static attr_t attr_at(int y, int x)
{
    cchar_t cc;
    wchar_t wch[CCHARW_MAX + 1];
    attr_t attrs;
    short pair;
    mvwin_wch(stdscr, y, x, &cc);
    getcchar(&cc, wch, &attrs, &pair, NULL);
    return attrs | (attr_t)COLOR_PAIR(pair);
}

/* Everything outside [y, y+h) x [x, x+w) is still '#'. */
static void assert_untouched_outside(int y, int x, int h, int w)
{
    for (int r = 0; r < LINES; r++)
        for (int c = 0; c < COLS; c++) {
            if (r >= y && r < y + h && c >= x && c < x + w)
                continue;
            if (strcmp(cells_at(r, c, 1), "#") != 0)
                fail_msg("cell %d,%d outside %dx%d+%d+%d was drawn: '%s'", r, c, w, h, x, y,
                         cells_at(r, c, 1));
        }
}

static void draw_checklist(void **state)
{
    struct checklist *c = checklist_new();
    struct widget *w = checklist_widget(c);
    checklist_add(c, "Audio", "2 capture devices found");
    checklist_add(c, "Video", "no camera found");
    checklist_add(c, "Goals", "Review: 日本語のノート");
    checklist_set_checked(c, 0, true);
    fill();
    widget_place(w, 2, 3, 4, 30);
    widget_draw(w, stdscr, true);
    assert_false(w->dirty);
    assert_string_equal(cells_at(2, 3, 30), "[x] Audio  2 capture devices …");
    assert_string_equal(row(3, 3, 30), "[ ] Video  no camera found");
    /* A wide character that would straddle the edge is cut before it. */
    assert_string_equal(row(4, 3, 30), "[ ] Goals  Review: 日本語のノ…");
    assert_string_equal(row(5, 3, 30), "");
    assert_untouched_outside(2, 3, 4, 30);
    /* The cursor row is highlighted only while focused; ticked and hint colours else. */
    assert_int_equal(attr_at(2, 3), theme_attr(THEME_SELECTED));
    assert_int_equal(attr_at(3, 3), theme_attr(THEME_ITEM_TODO));
    assert_int_equal(attr_at(3, 20), theme_attr(THEME_HINT));
    widget_draw(w, stdscr, false);
    assert_int_equal(attr_at(2, 3), theme_attr(THEME_ITEM_DONE));

    /* Two rows for three items: the view follows the cursor. */
    fill();
    widget_place(w, 0, 0, 2, 20);
    widget_on_key(w, KC(KEY_END));
    widget_draw(w, stdscr, true);
    assert_string_equal(row(0, 0, 20), "[ ] Video  no camer…");
    assert_string_equal(row(1, 0, 20), "[ ] Goals  Review: …");
    assert_untouched_outside(0, 0, 2, 20);
    /* Narrower than the box and label: cut, never past the edge. */
    for (int width = 1; width < 12; width++) {
        fill();
        widget_place(w, 0, 0, 3, width);
        widget_draw(w, stdscr, true);
        assert_untouched_outside(0, 0, 3, width);
    }
    widget_destroy(w);
}

static void draw_stars(void **state)
{
    struct stars *s = stars_new(5);
    struct widget *w = stars_widget(s);
    fill();
    widget_place(w, 1, 1, 1, 50);
    widget_draw(w, stdscr, true);
    assert_string_equal(row(1, 1, 50), "[☆ ☆ ☆ ☆ ☆]  not rated yet — press 1-5");
    assert_int_equal(attr_at(1, 1), theme_attr(THEME_SELECTED));
    widget_on_key(w, K('3'));
    widget_draw(w, stdscr, true);
    assert_string_equal(row(1, 1, 50), "[★ ★ ★ ☆ ☆]  3/5 Good");
    assert_int_equal(attr_at(1, 2), theme_attr(THEME_STAR_ON));
    assert_int_equal(attr_at(1, 8), theme_attr(THEME_STAR_OFF));
    /* Unfocused: the same places, no brackets. */
    widget_draw(w, stdscr, false);
    assert_string_equal(row(1, 1, 50), " ★ ★ ★ ☆ ☆   3/5 Good");
    assert_untouched_outside(1, 1, 1, 50);
    for (int width = 1; width < 24; width++) {
        fill();
        widget_place(w, 0, 0, 1, width);
        widget_draw(w, stdscr, true);
        assert_untouched_outside(0, 0, 1, width);
    }
    widget_destroy(w);
}

static void draw_dialog(void **state)
{
    const char *const yes_no[] = {"Yes", "No", NULL};
    struct dialog *d = dialog_new(0, "End the session?",
                                  "The booking will be marked completed and the feedback "
                                  "form opens. This cannot be undone.",
                                  yes_no, 1);
    struct widget *w = dialog_widget(d);
    fill();
    widget_place(w, 1, 0, 20, 100);
    widget_draw(w, stdscr, true);
    /* Find the box: the top-left corner of the border. */
    int top = -1, left = -1;
    for (int y = 1; y < 21 && top < 0; y++)
        for (int x = 0; x < 100; x++)
            if (strcmp(cells_at(y, x, 1), "#") != 0) {
                top = y, left = x;
                break;
            }
    assert_true(top > 1 && left > 0);
    assert_string_equal(cells_at(top, left, 1), "┌");
    assert_non_null(strstr(row(top, left, 100 - left), " End the session? "));
    /* Centred: as much room left and right (within one cell). */
    int width = 0;
    while (strcmp(cells_at(top, left + width, 1), "#") != 0)
        width++;
    assert_true(abs(left - (100 - left - width)) <= 1);
    /* The message wrapped inside, the buttons on the last line inside. */
    char text[2048] = "";
    int bottom = top + 1;
    while (strcmp(cells_at(bottom, left, 1), "└") != 0) {
        strcat(text, row(bottom, left + 2, width - 4));
        strcat(text, "|");
        bottom++;
    }
    assert_non_null(strstr(text, "The booking will be marked"));
    assert_non_null(strstr(text, "This cannot be undone."));
    assert_non_null(strstr(row(bottom - 1, left, width), "[ Yes ]  [ No ]"));
    int no = left + (int)(strstr(cells_at(bottom - 1, left, width), "[ No ]") -
                          cells_at(bottom - 1, left, width));
    assert_int_equal(attr_at(bottom - 1, no), theme_attr(THEME_BUTTON_FOCUS));
    assert_untouched_outside(top, left, bottom - top + 1, width);

    /* Every size down to nothing: no crash, nothing outside. */
    for (int h = 0; h <= 8; h++)
        for (int wd = 0; wd <= 24; wd += 3) {
            fill();
            widget_place(w, 2, 2, h, wd);
            widget_draw(w, stdscr, true);
            assert_untouched_outside(2, 2, h, wd);
        }
    /* Three rows: just the border and the buttons. */
    fill();
    widget_place(w, 0, 0, 3, 40);
    widget_draw(w, stdscr, true);
    assert_non_null(strstr(row(1, 0, 40), "[ Yes ]  [ No ]"));
    widget_destroy(w);
}

static void draw_sidebar(void **state)
{
    struct sidebar *s = sidebar_new("Session");
    struct widget *w = sidebar_widget(s);
    sidebar_add(s, "Mentee", "Meera Nair");
    sidebar_add(s, "Email", "meera@example.org");
    sidebar_add(s, "Package", "职业规划 Career Clarity");
    sidebar_add_text(s, "Notes", "Wants to move\nfrom QA to product management.");
    fill();
    widget_place(w, 1, 60, 12, 30);
    widget_draw(w, stdscr, false);
    assert_untouched_outside(1, 60, 12, 30);
    assert_string_equal(cells_at(1, 60, 1), "│");
    assert_string_equal(row(1, 61, 29), " Session");
    assert_string_equal(row(2, 61, 29), " Mentee   Meera Nair");
    assert_string_equal(row(3, 61, 29), " Email    meera@example.org");
    /* Values aligned; a wrapped value continues under itself. */
    assert_string_equal(row(4, 61, 29), " Package  职业规划 Career");
    assert_string_equal(row(5, 61, 29), "          Clarity");
    assert_string_equal(row(6, 61, 29), "");
    assert_string_equal(row(7, 61, 29), " Notes");
    assert_string_equal(row(8, 61, 29), " Wants to move");
    assert_string_equal(row(9, 61, 29), " from QA to product");
    assert_string_equal(row(10, 61, 29), " management.");
    assert_string_equal(row(11, 61, 29), "");
    assert_int_equal(attr_at(2, 62), theme_attr(THEME_SIDEBAR_LABEL));
    assert_int_equal(attr_at(2, 71), theme_attr(THEME_SIDEBAR));

    /* Six rows: it scrolls, and the border says where more is. */
    widget_place(w, 1, 60, 6, 30);
    fill();
    widget_draw(w, stdscr, true);
    assert_string_equal(cells_at(6, 60, 1), "↓");
    assert_int_equal(widget_on_key(w, KC(KEY_NPAGE)), WIDGET_HANDLED);
    widget_draw(w, stdscr, true);
    assert_string_equal(row(1, 61, 29), " Session"); /* the title stays */
    /* Five body rows: a page is four lines, so the blank line before the notes is first. */
    assert_string_equal(row(2, 61, 29), "");
    assert_string_equal(row(3, 61, 29), " Notes");
    assert_string_equal(cells_at(2, 60, 1), "↑");
    for (int i = 0; i < 10; i++)
        widget_on_key(w, K('j'));
    widget_draw(w, stdscr, true);
    assert_string_equal(row(6, 61, 29), " management."); /* stops at the end */
    assert_string_equal(cells_at(6, 60, 1), "│");
    assert_untouched_outside(1, 60, 6, 30);
    for (int width = 0; width < 16; width++) {
        fill();
        widget_place(w, 0, 0, 5, width);
        widget_draw(w, stdscr, true);
        assert_untouched_outside(0, 0, 5, width);
    }
    widget_destroy(w);
}

static void draw_keybar(void **state)
{
    struct keybar *b = keybar_new(room_keys, N_ROOM_KEYS);
    struct widget *w = keybar_widget(b);
    fill();
    widget_place(w, 29, 0, 1, 100);
    widget_draw(w, stdscr, false);
    assert_string_equal(row(29, 0, 100),
                        "Enter Join  Space Tick  s Sidebar  e End  ? Help  q Quit");
    assert_int_equal(attr_at(29, 0), theme_attr(THEME_KEY));
    assert_int_equal(attr_at(29, 6), theme_attr(THEME_KEY_LABEL));
    assert_untouched_outside(29, 0, 1, 100);
    /* 30 cells: "Enter Join  Space Tick" is 22; "  s Sidebar" would need 33: left out
     * whole, and the shorter entries after it still fit. */
    fill();
    widget_place(w, 0, 0, 1, 30);
    widget_draw(w, stdscr, false);
    assert_string_equal(row(0, 0, 30), "Enter Join  Space Tick  e End");
    assert_untouched_outside(0, 0, 1, 30);
    fill();
    widget_place(w, 0, 0, 1, 5);
    widget_draw(w, stdscr, false);
    assert_string_equal(row(0, 0, 5), "e End");
    /* Hidden entries leave the bar and free their room; shown again, they come back. */
    w->dirty = false;
    keybar_hide(b, room_keys[0].action, true);
    assert_true(w->dirty);
    w->dirty = false;
    keybar_hide(b, room_keys[0].action, true);
    assert_false(w->dirty); /* nothing changed: nothing to draw */
    fill();
    widget_place(w, 0, 0, 1, 30);
    widget_draw(w, stdscr, false);
    assert_string_equal(row(0, 0, 30), "Space Tick  s Sidebar  e End");
    keybar_hide(b, room_keys[0].action, false);
    fill();
    widget_draw(w, stdscr, false);
    assert_string_equal(row(0, 0, 30), "Enter Join  Space Tick  e End");
    widget_destroy(w);
}

static void draw_help(void **state)
{
    struct help *h = help_new("Keys: room", room_keys, N_ROOM_KEYS);
    struct widget *w = help_widget(h);
    fill();
    widget_place(w, 1, 0, 27, 100);
    widget_draw(w, stdscr, true);
    char all[4096] = "";
    for (int y = 1; y < 28; y++) {
        strcat(all, row(y, 0, 100));
        strcat(all, "\n");
    }
    assert_non_null(strstr(all, " Keys: room "));
    assert_non_null(strstr(all, "│ Enter  Open the meeting"));
    assert_non_null(strstr(all, "│ Space  Tick or untick the item under the cursor"));
    assert_non_null(strstr(all, "│ f      Feedback")); /* no sentence: the label */
    assert_non_null(strstr(all, "│ q      Back, or quit"));
    assert_non_null(strstr(all, " any key closes "));
    /* Five rows inside: the first keys, and a footer saying it scrolls. */
    fill();
    widget_place(w, 0, 0, 7, 100);
    widget_draw(w, stdscr, true);
    assert_non_null(strstr(row(1, 0, 100), "Enter  Open the meeting"));
    assert_non_null(strstr(row(6, 0, 100), "Up/Down scroll"));
    widget_on_key(w, KC(KEY_DOWN));
    widget_draw(w, stdscr, true);
    assert_non_null(strstr(row(1, 0, 100), "Space  Tick"));
    assert_untouched_outside(0, 0, 7, 100);
    for (int hh = 0; hh < 6; hh++)
        for (int wd = 0; wd < 30; wd += 4) {
            fill();
            widget_place(w, 0, 0, hh, wd);
            widget_draw(w, stdscr, true);
            assert_untouched_outside(0, 0, hh, wd);
        }
    widget_destroy(w);
}

static void draw_timer(void **state)
{
    struct timer *t = timer_new();
    struct widget *w = timer_widget(t);
    time_t start = 1700000000;
    timer_set(t, start, 60, start, TIMER_LIVE);
    timer_tick(t, start + 723);
    fill();
    widget_place(w, 3, 10, 1, 40);
    widget_draw(w, stdscr, false);
    assert_string_equal(row(3, 10, 40), "12:03 elapsed · 47:57 left");
    assert_int_equal(attr_at(3, 10), theme_attr(THEME_TIMER_NORMAL) | A_BOLD);
    timer_tick(t, start + 3600 - 10);
    widget_draw(w, stdscr, false);
    assert_string_equal(row(3, 10, 40), "00:10 left");
    assert_int_equal(attr_at(3, 10), theme_attr(THEME_TIMER_WARNING) | A_BOLD);
    timer_tick(t, start + 3600 + 10);
    widget_draw(w, stdscr, false);
    assert_string_equal(row(3, 10, 40), "Over by 00:10");
    assert_int_equal(attr_at(3, 10), theme_attr(THEME_TIMER_OVER) | A_BOLD);
    assert_untouched_outside(3, 10, 1, 40);
    fill();
    widget_place(w, 3, 10, 1, 8);
    widget_draw(w, stdscr, false);
    assert_string_equal(row(3, 10, 8), "Over by…");
    assert_untouched_outside(3, 10, 1, 8);
    widget_destroy(w);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest logic[] = {
        cmocka_unit_test(keys_match_table),
        cmocka_unit_test(checklist_keys),
        cmocka_unit_test(stars_keys),
        cmocka_unit_test(dialog_keys),
        cmocka_unit_test(sidebar_heights),
        cmocka_unit_test(sidebar_scroll_keys),
        cmocka_unit_test(help_keys),
    };
    const struct CMUnitTest drawing[] = {
        cmocka_unit_test(draw_checklist),
        cmocka_unit_test(draw_stars),
        cmocka_unit_test(draw_dialog),
        cmocka_unit_test(draw_sidebar),
        cmocka_unit_test(draw_keybar),
        cmocka_unit_test(draw_help),
        cmocka_unit_test(draw_timer),
    };
    int failed = cmocka_run_group_tests_name("logic", logic, NULL, NULL);
    failed += cmocka_run_group_tests_name("drawing", drawing, draw_setup, draw_teardown);
    return failed;
}
