/* Drawing helpers shared by the widgets: text placed and cut in terminal cells (never past
 * the given width, never splitting a wide character), blank runs, and bordered boxes. All
 * take the attributes to use (from theme_attr) and draw only inside what they are given. */
#ifndef WIDGETS_DRAW_H
#define WIDGETS_DRAW_H

#include <stddef.h>

#include <curses.h>

/* Writes the first len bytes of text at (y, x) fitted to exactly `cells` cells: cut with
 * "…" when longer, padded with spaces when shorter. Nothing when cells <= 0. */
void draw_textn(WINDOW *win, int y, int x, int cells, const char *text, size_t len,
                attr_t attr);
void draw_text(WINDOW *win, int y, int x, int cells, const char *text, attr_t attr);

/* Writes text at (y, x) in its own width, cut with "…" if it needs more than avail cells;
 * returns the cells written (0 when avail <= 0). */
int draw_put(WINDOW *win, int y, int x, int avail, const char *text, attr_t attr);

/* `cells` blanks from (y, x). */
void draw_blank(WINDOW *win, int y, int x, int cells, attr_t attr);

/* A line-drawing character (WACS_VLINE…: Unicode in a UTF-8 locale, the terminal's
 * alternate set else) with attr, for mvwadd_wch and mvwvline_set. */
cchar_t draw_line_char(const cchar_t *wacs, attr_t attr);

/* A line border around the rectangle (h >= 2, w >= 2), its inside left alone, with title
 * on the top edge and footer on the bottom edge (either may be NULL), each cut to fit. */
void draw_box(WINDOW *win, int y, int x, int h, int w, attr_t border, const char *title,
              attr_t title_attr, const char *footer);

#endif
