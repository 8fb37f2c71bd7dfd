/* When the mentor joined a session's meeting, kept in $XDG_STATE_HOME/dheya-meet/joined/ so
 * that the room's elapsed time survives a restart of the client. */
#ifndef TUI_JOINTIME_H
#define TUI_JOINTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The recorded join time of the session, or 0 when none. */
time_t jointime_get(const char *session_id);
/* Records t as the join time (durably). On failure err says why. */
bool jointime_set(const char *session_id, time_t t, char *err, size_t errlen);

/* A file name for a session id from the server: the id itself when it is plain
 * ([A-Za-z0-9_-], at most 64), else a hash of it. Caller frees. */
char *jointime_file_name(const char *session_id);

#endif
