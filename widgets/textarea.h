/* A multi-line text editor for UTF-8 text, measured and word-wrapped in terminal cells.
 * Keys: printable characters (any code point, wide and combining ones included) insert;
 * Enter inserts a newline; Left/Right move by character (a base character with its
 * combining marks is one step); Up/Down move by wrapped line keeping the column; Home/End go
 * to the start/end of the wrapped line; Backspace and Delete remove one code point before /
 * after the cursor; PageUp/PageDown move by the visible height. Tab, Esc and other control
 * keys are IGNORED so the screen can use them (Ctrl-A and Ctrl-E are Home and End). C1
 * controls and bidi controls (U+202A-202E, U+2066-2069, U+200E/F, U+061C) are never
 * inserted either. Insertion stops at max characters (code points): the key is HANDLED but
 * nothing changes. Every change reports WIDGET_CHANGED. The text wraps in the widget's width
 * less one cell, which is kept for the cursor after a full line; the view scrolls to keep the
 * cursor visible. Each key costs at most a copy of the text, so a pasted stream of keys stays
 * fast; wrapping happens when drawing and for Up/Down/Home/End. */
#ifndef WIDGETS_TEXTAREA_H
#define WIDGETS_TEXTAREA_H

#include <stddef.h>

#include "widgets/widget.h"

struct textarea;

/* An empty text area (NULL when out of memory); free it with widget_destroy. */
struct textarea *textarea_new(size_t max_chars);
struct widget *textarea_widget(struct textarea *t);

/* Replaces the text (invalid UTF-8 becomes U+FFFD, control characters other than newline
 * and the bidi controls above are dropped, cut at max characters); the cursor goes to the
 * end. utf8 may be NULL (empty). */
void textarea_set_text(struct textarea *t, const char *utf8);
/* The text as UTF-8 (owned by the textarea, valid until the next change). */
const char *textarea_text(const struct textarea *t);
/* Characters (code points) in the text, and how many more may be typed. */
size_t textarea_length(const struct textarea *t);
size_t textarea_remaining(const struct textarea *t);
/* The cursor as a byte offset into textarea_text. */
size_t textarea_cursor_offset(const struct textarea *t);
/* The cursor's wrapped line and cell column when the text wraps in `width` cells (the
 * widget wraps in its width less one; for tests). */
void textarea_cursor_cell(const struct textarea *t, size_t width, size_t *row, size_t *col);

#endif
