/* themes/: the theme file parser, choosing a theme (built-in or the user's), the 8/256-colour
 * fallback, forced mono, and theme_apply on real terminfo entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "themes/theme.h"

#define ALL_SLOTS for (enum theme_slot s = 0; s < THEME_N_SLOTS; s++)

/* A private directory for user theme files, removed with everything in it. */
static char *temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *d = NULL;
    assert_true(asprintf(&d, "%s/theme-test-XXXXXX", tmp && *tmp ? tmp : "/tmp") > 0);
    assert_non_null(mkdtemp(d));
    return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    free(path);
}

static void remove_dir(char *dir, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        char *path = NULL;
        assert_true(asprintf(&path, "%s/%s", dir, names[i]) > 0);
        unlink(path);
        free(path);
    }
    assert_int_equal(rmdir(dir), 0);
    free(dir);
}

/* Must run first: nothing selected yet. */
static void attr_before_anything_is_normal(void **state)
{
    ALL_SLOTS assert_int_equal(theme_attr(s), A_NORMAL);
    assert_int_equal(theme_attr(THEME_N_SLOTS), A_NORMAL);
    assert_string_equal(theme_slot_name(THEME_TIMER_WARNING), "timer-warning");
    assert_string_equal(theme_slot_name(THEME_KEY_LABEL), "key-label");
}

static void builtins_parse_and_tell_states_apart(void **state)
{
    const char *want[] = {"default", "high-contrast", "light", "mono"};
    size_t n = 0;
    while (theme_builtin_names[n])
        n++;
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(theme_builtin_names[i], want[i]);
        char err[256] = "";
        if (!theme_select(theme_builtin_names[i], NULL, false, err, sizeof err))
            fail_msg("%s: %s", theme_builtin_names[i], err);
        /* On a terminal with 8 or 256 colours, and on one with none (vt100), the three timer
         * phases look different and the selection, keys and focused button stand out. */
        const int depths[] = {0, 8, 256};
        for (size_t d = 0; d < 3; d++) {
            short fg[THEME_N_SLOTS], bg[THEME_N_SLOTS];
            attr_t a[THEME_N_SLOTS];
            bool paired[THEME_N_SLOTS];
            ALL_SLOTS paired[s] = theme_resolve(s, depths[d], &fg[s], &bg[s], &a[s]);
#define DIFFERENT(x, y) \
    (paired[x] != paired[y] || fg[x] != fg[y] || bg[x] != bg[y] || a[x] != a[y])
            assert_true(DIFFERENT(THEME_TIMER_NORMAL, THEME_TIMER_WARNING));
            assert_true(DIFFERENT(THEME_TIMER_WARNING, THEME_TIMER_OVER));
            assert_true(DIFFERENT(THEME_TIMER_NORMAL, THEME_TIMER_OVER));
            assert_true(DIFFERENT(THEME_STAR_ON, THEME_STAR_OFF));
            assert_true(DIFFERENT(THEME_SELECTED, THEME_NORMAL));
            assert_true(DIFFERENT(THEME_BUTTON_FOCUS, THEME_BUTTON));
            assert_true(DIFFERENT(THEME_KEY, THEME_KEY_LABEL));
            assert_true(DIFFERENT(THEME_ERROR, THEME_NORMAL));
#undef DIFFERENT
            if (depths[d] == 0)
                ALL_SLOTS assert_false(paired[s]);
        }
    }
}

static void bad_lines_name_file_line_and_fault(void **state)
{
    static const struct {
        const char *text, *err;
    } cases[] = {
        {"# ok\n\ncolor title red default\ncolor error purpel default\n",
         "light.theme:4: unknown colour 'purpel'"},
        {"color titel red default\n", "light.theme:1: unknown slot 'titel'"},
        {"\ncolor title red\n", "light.theme:2: missing background"},
        {"color title red # comment, not a colour\n", "light.theme:1: missing background"},
        {"color title\n", "light.theme:1: missing foreground"},
        {"color\n", "light.theme:1: missing slot"},
        {"color title red default blink\n", "light.theme:1: unknown attribute 'blink'"},
        {"colour title red default\n",
         "light.theme:1: unknown command 'colour' (lines are: color SLOT FG BG [ATTR...])"},
        {"color title color256 default\n", "light.theme:1: unknown colour 'color256'"},
        {"color title colorx default\n", "light.theme:1: unknown colour 'colorx'"},
        {"color title bright-purple default\n", "light.theme:1: unknown colour 'bright-purple'"},
        {"color title Red default\n", "light.theme:1: unknown colour 'Red'"},
        {"color title color208| default\n",
         "light.theme:1: missing fallback colour after '|'"},
        {"color title color208|color100 default\n",
         "light.theme:1: fallback colour 'color100' is not default or one of the 8 colours"},
        {"color title color208|bright-red default\n",
         "light.theme:1: fallback colour 'bright-red' is not default or one of the 8 colours"},
        {"color title red default \x1b]0;owned\x07\n",
         "light.theme:1: unknown attribute '\\x1b]0;owned\\x07'"},
        {"color title red default bold\n\n\n\n\n\n\n\n\n\ncolor x\n",
         "light.theme:11: unknown slot 'x'"},
        {"color title red default bold aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
         "light.theme:1: unknown attribute 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[256] = "";
        assert_false(theme_parse(cases[i].text, "light.theme", err, sizeof err));
        assert_string_equal(err, cases[i].err);
    }
    /* A short buffer is cut, never overrun. */
    char small[12];
    assert_false(theme_parse("color nope red default", "light.theme", small, sizeof small));
    assert_string_equal(small, "light.theme");
}

static void good_lines_parse(void **state)
{
    char err[256] = "";
    assert_true(theme_parse("", "t.theme", err, sizeof err));
    assert_true(theme_parse("\n# only a comment", "t.theme", err, sizeof err));

    char *dir = temp_dir();
    write_file(dir, "t.theme",
               "  # indented comment\n"
               "\tcolor title   color208|yellow  bright-blue bold underline  \r\n"
               "color error red default#no space before the comment\n"
               "color hint white default dim\n"
               "color hint color7 black reverse standout italic\n" /* a later line wins */
               "color ok green|default default"); /* no newline at the end */
    assert_true(theme_select("t", dir, false, err, sizeof err));
    static const struct {
        enum theme_slot slot;
        short fg, bg;
        attr_t attrs;
    } want[] = {
        {THEME_TITLE, 208, 12, A_BOLD | A_UNDERLINE},
        {THEME_ERROR, COLOR_RED, -1, A_NORMAL},
        {THEME_HINT, COLOR_WHITE, COLOR_BLACK, A_REVERSE | A_STANDOUT | A_ITALIC},
        {THEME_OK, COLOR_GREEN, -1, A_NORMAL},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        short fg, bg;
        attr_t a;
        assert_true(theme_resolve(want[i].slot, 256, &fg, &bg, &a));
        assert_int_equal(fg, want[i].fg);
        assert_int_equal(bg, want[i].bg);
        assert_int_equal(a, want[i].attrs);
    }
    remove_dir(dir, (const char *const[]){"t.theme", NULL});
}

static void user_file_overrides_builtin(void **state)
{
    char err[512] = "";
    short fg, bg;
    attr_t a;
    assert_true(theme_select(NULL, NULL, false, err, sizeof err));
    assert_true(theme_resolve(THEME_TITLE, 256, &fg, &bg, &a));
    assert_false(fg == COLOR_RED && bg == COLOR_GREEN);

    char *dir = temp_dir();
    write_file(dir, "default.theme", "# mine\ncolor title red green underline\n");
    assert_true(theme_select("default", dir, false, err, sizeof err));
    assert_true(theme_resolve(THEME_TITLE, 256, &fg, &bg, &a));
    assert_int_equal(fg, COLOR_RED);
    assert_int_equal(bg, COLOR_GREEN);
    assert_int_equal(a, A_UNDERLINE);
    /* Slots the file does not name are the terminal's normal text. */
    assert_false(theme_resolve(THEME_ERROR, 256, &fg, &bg, &a));
    assert_int_equal(a, A_NORMAL);
    /* Before theme_apply, theme_attr has the attributes and no colour pair. */
    assert_int_equal(theme_attr(THEME_TITLE), A_UNDERLINE | A_BOLD | A_REVERSE);

    /* A broken user file is an error naming its path; the selection stays as it was. */
    write_file(dir, "default.theme", "color title red green\ncolor stars yellow default\n");
    assert_false(theme_select("default", dir, false, err, sizeof err));
    char *want = NULL;
    assert_true(asprintf(&want, "%s/default.theme:2: unknown slot 'stars'", dir) > 0);
    assert_string_equal(err, want);
    free(want);
    assert_true(theme_resolve(THEME_TITLE, 256, &fg, &bg, &a));
    assert_int_equal(a, A_UNDERLINE);

    /* Other built-ins are still found when the directory has no file for them. */
    assert_true(theme_select("light", dir, false, err, sizeof err));
    remove_dir(dir, (const char *const[]){"default.theme", NULL});
}

static void unknown_and_invalid_names(void **state)
{
    char err[512] = "";
    char *dir = temp_dir();
    write_file(dir, "solarized.theme", "color title yellow default\n");
    write_file(dir, "light.theme", "color title blue default\n");
    write_file(dir, ".hidden.theme", "");
    write_file(dir, "notes.txt", "");
    assert_false(theme_select("purple", dir, false, err, sizeof err));
    assert_string_equal(err,
                        "unknown theme 'purple'; available: default, high-contrast, light, "
                        "mono, solarized");
    assert_false(theme_select("purple", NULL, false, err, sizeof err));
    assert_string_equal(err,
                        "unknown theme 'purple'; available: default, high-contrast, light, mono");
    assert_true(theme_select("solarized", dir, false, err, sizeof err));

    const char *bad[] = {"../default", ".hidden", "a/b", "", "/etc/passwd"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(theme_select(bad[i], dir, false, err, sizeof err));
        char *want = NULL;
        assert_true(asprintf(&want, "invalid theme name '%s': a name such as 'light', not a path",
                             bad[i]) > 0);
        assert_string_equal(err, want);
        free(want);
    }
    /* A directory where a file should be is an error, not "unknown". */
    char *sub = NULL;
    assert_true(asprintf(&sub, "%s/odd.theme", dir) > 0);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_false(theme_select("odd", dir, false, err, sizeof err));
    assert_non_null(strstr(err, "odd.theme: not a regular file"));
    assert_int_equal(rmdir(sub), 0);
    free(sub);
    remove_dir(dir, (const char *const[]){"solarized.theme", "light.theme", ".hidden.theme",
                                          "notes.txt", NULL});
}

static void fallback_follows_colour_count(void **state)
{
    char err[512] = "";
    char *dir = temp_dir();
    write_file(dir, "t.theme",
               "color title color208|yellow bright-blue bold\n"
               "color hint color244 default\n"
               "color error color160|red color231|default\n"
               "color ok green default\n");
    assert_true(theme_select("t", dir, false, err, sizeof err));
    static const struct {
        enum theme_slot slot;
        int colors;
        bool paired;
        short fg, bg;
        attr_t attrs;
    } cases[] = {
        {THEME_TITLE, 256, true, 208, 12, A_BOLD},
        {THEME_TITLE, 88, true, COLOR_YELLOW, 12, A_BOLD},
        {THEME_TITLE, 16, true, COLOR_YELLOW, 12, A_BOLD},
        {THEME_TITLE, 8, true, COLOR_YELLOW, COLOR_BLUE, A_BOLD},
        /* No colours: the theme's attributes and the mono theme's (title: bold reverse). */
        {THEME_TITLE, 0, false, -1, -1, A_BOLD | A_REVERSE},
        {THEME_TITLE, 2, false, -1, -1, A_BOLD | A_REVERSE},
        {THEME_HINT, 256, true, 244, -1, A_NORMAL},
        /* color244 with no fallback is lost on 8 colours: the mono look (dim) stands in. */
        {THEME_HINT, 8, false, -1, -1, A_DIM},
        {THEME_ERROR, 256, true, 160, 231, A_NORMAL},
        {THEME_ERROR, 8, true, COLOR_RED, -1, A_NORMAL},
        {THEME_OK, 8, true, COLOR_GREEN, -1, A_NORMAL},
        {THEME_OK, 0, false, -1, -1, A_NORMAL},
        {THEME_NORMAL, 256, false, -1, -1, A_NORMAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        short fg = 99, bg = 99;
        attr_t a = 99;
        bool paired = theme_resolve(cases[i].slot, cases[i].colors, &fg, &bg, &a);
        if (paired != cases[i].paired || fg != cases[i].fg || bg != cases[i].bg ||
            a != cases[i].attrs)
            fail_msg("case %zu: %d %d/%d %#lx", i, paired, fg, bg, (unsigned long)a);
    }
    remove_dir(dir, (const char *const[]){"t.theme", NULL});
}

static void force_mono_is_attributes_only(void **state)
{
    const attr_t allowed = A_BOLD | A_REVERSE | A_DIM | A_UNDERLINE;
    char err[512] = "";
    for (size_t i = 0; theme_builtin_names[i]; i++) {
        assert_true(theme_select(theme_builtin_names[i], NULL, true, err, sizeof err));
        ALL_SLOTS {
            short fg, bg;
            attr_t a;
            assert_false(theme_resolve(s, 256, &fg, &bg, &a));
            assert_int_equal(fg, -1);
            assert_int_equal(bg, -1);
            assert_int_equal(a & ~allowed, 0);
            assert_int_equal(theme_attr(s), a);
        }
        assert_int_equal(theme_attr(THEME_SELECTED), A_REVERSE);
    }
    /* A user theme with colours, even one named mono, loses them. */
    char *dir = temp_dir();
    write_file(dir, "mono.theme", "color selected red default underline\n");
    assert_true(theme_select("light", dir, true, err, sizeof err));
    short fg, bg;
    attr_t a;
    assert_false(theme_resolve(THEME_SELECTED, 256, &fg, &bg, &a));
    assert_int_equal(a, A_UNDERLINE);
    /* The named theme is still checked. */
    assert_false(theme_select("nosuch", dir, true, err, sizeof err));
    remove_dir(dir, (const char *const[]){"mono.theme", NULL});
}

/* theme_apply on a real terminfo entry, output to /dev/null. */
static SCREEN *open_terminal(const char *term, FILE **out, FILE **in)
{
    *out = fopen("/dev/null", "w");
    *in = fopen("/dev/null", "r");
    assert_non_null(*out);
    assert_non_null(*in);
    SCREEN *sc = newterm(term, *out, *in);
    if (sc == NULL)
        fail_msg("no terminfo entry for %s", term);
    return sc;
}

static void close_terminal(SCREEN *sc, FILE *out, FILE *in)
{
    endwin();
    delscreen(sc);
    fclose(out);
    fclose(in);
}

static void apply_on_real_terminals(void **state)
{
    char err[512] = "";
    FILE *out, *in;

    assert_true(theme_select("default", NULL, false, err, sizeof err));
    SCREEN *sc = open_terminal("xterm-256color", &out, &in);
    theme_apply();
    attr_t a = theme_attr(THEME_TIMER_WARNING);
    short pair = (short)PAIR_NUMBER(a), fg, bg;
    assert_true(pair > 0);
    assert_int_equal(pair_content(pair, &fg, &bg), OK);
    assert_int_equal(fg, COLOR_YELLOW);
    assert_int_equal(bg, -1); /* the terminal's own background */
    assert_true(a & A_BOLD);
    assert_int_equal(PAIR_NUMBER(theme_attr(THEME_NORMAL)), 0);
    assert_int_equal(getbkgd(stdscr) & A_COLOR, 0);
    close_terminal(sc, out, in);

    /* vt100 has no colours: attributes only, the mono look where colour would have been. */
    sc = open_terminal("vt100", &out, &in);
    theme_apply();
    ALL_SLOTS assert_int_equal(PAIR_NUMBER(theme_attr(s)), 0);
    assert_true(theme_attr(THEME_SELECTED) & A_REVERSE);
    assert_true(theme_attr(THEME_KEY) & A_REVERSE);
    close_terminal(sc, out, in);

    /* high-contrast paints its background: stdscr gets the normal slot's pair. */
    assert_true(theme_select("high-contrast", NULL, false, err, sizeof err));
    sc = open_terminal("linux", &out, &in);
    theme_apply();
    pair = (short)PAIR_NUMBER(theme_attr(THEME_NORMAL));
    assert_true(pair > 0);
    assert_int_equal(pair_content(pair, &fg, &bg), OK);
    assert_int_equal(fg, COLOR_WHITE); /* bright-white on 8 colours */
    assert_int_equal(bg, COLOR_BLACK);
    assert_int_equal(PAIR_NUMBER(getbkgd(stdscr)), pair);
    close_terminal(sc, out, in);

    /* NO_COLOR on a colour terminal: no colour pairs at all. */
    assert_true(theme_select("default", NULL, true, err, sizeof err));
    sc = open_terminal("xterm-256color", &out, &in);
    theme_apply();
    ALL_SLOTS assert_int_equal(PAIR_NUMBER(theme_attr(s)), 0);
    close_terminal(sc, out, in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attr_before_anything_is_normal),
        cmocka_unit_test(builtins_parse_and_tell_states_apart),
        cmocka_unit_test(bad_lines_name_file_line_and_fault),
        cmocka_unit_test(good_lines_parse),
        cmocka_unit_test(user_file_overrides_builtin),
        cmocka_unit_test(unknown_and_invalid_names),
        cmocka_unit_test(fallback_follows_colour_count),
        cmocka_unit_test(force_mono_is_attributes_only),
        cmocka_unit_test(apply_on_real_terminals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
