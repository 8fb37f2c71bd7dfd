/* Small files that survive kill -9 and power loss: written to a temporary file in the same
 * directory, fsync'd, renamed over the old one, and the directory fsync'd. Files are 0600
 * in 0700 directories whatever the umask, and no symlink is followed. */
#ifndef TUI_DURABLE_H
#define TUI_DURABLE_H

#include <stdbool.h>
#include <stddef.h>

/* Creates dir and its missing parents (0700). Refuses a final component that is a symlink
 * or not a directory. */
bool durable_mkdirs(const char *dir, char *err, size_t errlen);

/* Replaces dir/name with data atomically. On failure the old file is intact, no temporary
 * file is left behind, and err says why (e.g. "no space left on device"). */
bool durable_write(const char *dir, const char *name, const void *data, size_t len,
                   char *err, size_t errlen);

/* Reads dir/name whole (at most max bytes) without following a symlink. Caller frees. */
char *durable_read(const char *dir, const char *name, size_t max, size_t *len, char *err,
                   size_t errlen);

#endif
