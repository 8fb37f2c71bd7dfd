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

/* How long before a session's start a join still counts for that time of the session. The
 * join time is kept per session id: one made for an earlier time of a session moved since
 * (or by mistake, hours early) must not start the new time's clock. */
#define JOINTIME_AHEAD (60 * 60)

/* joined, or 0 when it was made more than JOINTIME_AHEAD before scheduled_at and so belongs
 * to another time of the session. */
time_t jointime_for(time_t joined, time_t scheduled_at);

/* A file name for a session id from the server: the id itself when it is plain
 * ([A-Za-z0-9_-], at most 64), else "=" and a hash of it ('=' is never in a plain id, so the
 * two kinds cannot meet). Caller frees. */
char *jointime_file_name(const char *session_id);

#endif
