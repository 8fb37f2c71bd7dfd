/* Untrusted text (names, notes, comments, URLs from the server) made safe for a terminal:
 * invalid UTF-8 becomes U+FFFD; C0 controls, DEL and C1 controls are replaced by visible
 * placeholders (control pictures, U+FFFD for C1); bidi and zero-width format characters are
 * shown escaped as <U+202E>. Widths are measured in terminal cells. */
#ifndef TUI_SANITIZE_H
#define TUI_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

enum sanitize_mode {
    SANITIZE_LINE,      /* one line: newlines and tabs become placeholders/spaces */
    SANITIZE_MULTILINE, /* newlines and tabs kept */
};

/* A new UTF-8 string (caller frees with free) that is safe to print. s may be NULL (gives
 * ""). Never returns NULL unless out of memory. */
char *sanitize(const char *s, enum sanitize_mode mode);

/* Terminal cells that sanitized text takes on one line. */
size_t sanitize_width(const char *s);

/* Sanitizes s and fits it to exactly `cells` cells: cut with "…" when longer, padded with
 * spaces when shorter. Caller frees. */
char *sanitize_fit(const char *s, size_t cells);

/* Makes wcwidth work on UTF-8: keeps the user's locale if it is UTF-8, else uses C.UTF-8
 * for character classes only. Call once at start-up. */
void sanitize_init_locale(void);

#endif
