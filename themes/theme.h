/* Colour themes as data: semantic slots (what a thing is, not what colour it has), filled
 * from *.theme text files. The built-in themes (default, light, high-contrast, mono) are the
 * files in themes/, compiled in; a file of the same name in the user's theme directory
 * overrides a built-in. One parser reads both.
 *
 * A theme file has one line per slot, `#` comments and blank lines:
 *     color SLOT FG BG [ATTR...]
 * FG and BG: default (the terminal's own), black red green yellow blue magenta cyan white,
 * bright-NAME (8-15), colorN (0-255); a colour with |FALLBACK (default or one of the 8) is
 * shown as FALLBACK where the terminal lacks it: color208|yellow. ATTR: bold dim reverse
 * underline standout italic. A slot not named is drawn as the terminal's normal text. */
#ifndef THEMES_THEME_H
#define THEMES_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

/* X(ENUM, "name-in-theme-files") */
#define THEME_SLOTS(X)                  \
    X(NORMAL, "normal")                 \
    X(TITLE, "title")                   \
    X(STATUS, "status")                 \
    X(ERROR, "error")                   \
    X(OK, "ok")                         \
    X(HINT, "hint")                     \
    X(SELECTED, "selected")             \
    X(BORDER, "border")                 \
    X(HEADER, "header")                 \
    X(KEY, "key")                       \
    X(KEY_LABEL, "key-label")           \
    X(ITEM_DONE, "item-done")           \
    X(ITEM_TODO, "item-todo")           \
    X(SIDEBAR, "sidebar")               \
    X(SIDEBAR_LABEL, "sidebar-label")   \
    X(TIMER_NORMAL, "timer-normal")     \
    X(TIMER_WARNING, "timer-warning")   \
    X(TIMER_OVER, "timer-over")         \
    X(STAR_ON, "star-on")               \
    X(STAR_OFF, "star-off")             \
    X(DIALOG, "dialog")                 \
    X(BUTTON, "button")                 \
    X(BUTTON_FOCUS, "button-focus")     \
    X(INPUT, "input")                   \
    X(COUNTER, "counter")               \
    X(COUNTER_LOW, "counter-low")

enum theme_slot {
#define THEME_ENUM(e, name) THEME_##e,
    THEME_SLOTS(THEME_ENUM)
#undef THEME_ENUM
    THEME_N_SLOTS
};

/* The slot's name in theme files ("timer-warning"). */
const char *theme_slot_name(enum theme_slot slot);

/* Names of the built-in themes, NULL-terminated. */
extern const char *const theme_builtin_names[];

/* Chooses the theme: name from --theme / DHEYA_THEME / the config ("default" when NULL);
 * user_dir is $XDG_CONFIG_HOME/dheya-meet/themes (may be NULL). A user file NAME.theme
 * there overrides the built-in of the same name. mono (forced also by a non-empty NO_COLOR
 * or CLICOLOR=0, which the caller passes as force_mono) uses only bold, reverse, dim and
 * underline. On failure err names the file and line and what is wrong ("light.theme:4:
 * unknown colour 'purpel'"), or says the theme does not exist and which ones do. */
bool theme_select(const char *name, const char *user_dir, bool force_mono, char *err,
                  size_t errlen);

/* After initscr(): starts colours when the terminal has them and the theme is not mono,
 * and sets up the colour pairs (256-colour values fall back to their 8-colour form when
 * COLORS < 256; no colours at all means mono). `default` is the terminal's own colour
 * (use_default_colors). Sets stdscr's background to the normal slot; give other windows
 * wbkgd(win, theme_attr(THEME_NORMAL) | ' ') so that themes with a background fill them.
 * Call it again after another theme_select. */
void theme_apply(void);

/* The curses attributes (colour pair and A_BOLD etc.) for slot, for wattrset/wattron. Before
 * theme_apply: the attributes only (A_NORMAL before any theme_select). */
attr_t theme_attr(enum theme_slot slot);

/* How the selected theme draws slot on a terminal with `colors` colours (0: none), without
 * touching the terminal (theme_apply uses it; tests call it). Returns true with the pair's
 * fg and bg (-1: the terminal's default) when the slot gets a colour pair; false when it is
 * drawn with attributes only (mono theme, force_mono, colors < 8, or no colour the terminal
 * can show). A colour the terminal cannot show gives way to its |fallback; a slot that loses
 * its colours takes the mono theme's attributes too, so it stays told apart. attrs gets
 * the curses attributes, without the colour pair. */
bool theme_resolve(enum theme_slot slot, int colors, short *fg, short *bg, attr_t *attrs);

/* Checks one theme file's text without selecting it (for tests and fuzzing). Returns false
 * with err ("FILE:LINE: what") on the first bad line. */
bool theme_parse(const char *text, const char *file, char *err, size_t errlen);

#endif
