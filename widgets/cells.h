/* Text measured in terminal cells: UTF-8 strings (already sanitized: no control characters
 * but newlines) as the terminal shows them, with wide (CJK, emoji) characters taking two
 * cells and combining marks none. Pure functions, no ncurses. */
#ifndef WIDGETS_CELLS_H
#define WIDGETS_CELLS_H

#include <stdbool.h>
#include <stddef.h>

/* Cells one code point takes: 0 for combining marks, 2 for wide, else 1 (an unprintable or
 * unknown code point counts 1). */
int cells_of(unsigned cp);

/* Decodes the code point at s (at most len bytes); returns its length in bytes (1 for an
 * invalid byte, which decodes as U+FFFD; 0 when len is 0). Overlong forms, surrogates and
 * sequences cut short by len are invalid. */
size_t cells_decode(const char *s, size_t len, unsigned *cp);

/* Writes cp as UTF-8 into out (room for 4 bytes); returns the bytes written. */
size_t cells_encode(unsigned cp, char *out);

/* Cells the first len bytes of s take on one line (newlines count as nothing). */
size_t cells_width_n(const char *s, size_t len);
size_t cells_width(const char *s);

/* The longest prefix of s (in bytes) that fits in `cells` cells without splitting a
 * character from its combining marks. */
size_t cells_prefix(const char *s, size_t cells);

/* s fitted to exactly `cells` cells: cut with "…" when longer, padded with spaces when
 * shorter (a space fills the cell a wide character at the cut leaves). A newline shows as a
 * space. Caller frees; NULL only when out of memory. */
char *cells_fit(const char *s, size_t cells);

/* A wrapped line: a byte range of the source text. */
struct cells_line {
    size_t start, len; /* bytes; the line's text, without the newline or the break space */
};

/* Word-wraps text to lines of at most `cells` cells (cells >= 1): breaks at spaces, at
 * newlines, and inside words longer than a line (after a "/" or "@" when there is one, else
 * after one of ".-_?&=", else anywhere); a wide character never straddles the edge.
 * Returns the number of lines (at least 1) and fills *lines (caller frees) with them. An
 * empty text, or one ending in a newline, has an empty last line. A character wider than
 * `cells` gets a line of its own. Returns 0 and sets *lines to NULL only when out of memory. */
size_t cells_wrap(const char *text, size_t cells, struct cells_line **lines);

#endif
