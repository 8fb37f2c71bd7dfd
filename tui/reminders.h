/* Which reminders are due, and what was already sent.
 *
 * The logic is pure (a session, the time, the minute marks, the join time in; what is due
 * out) so it is tested without a clock. What was sent is remembered in
 * $XDG_STATE_HOME/dheya-meet/reminders, shared by every dheya-meet of the user (the screens
 * and `dheya-meet remind` may run at once) under a lock, so that each reminder is sent once
 * per session and minute mark, also across restarts. A session moved to another time is a
 * new session for this purpose: the keys carry its scheduled start. */
#ifndef TUI_REMINDERS_H
#define TUI_REMINDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "net/meeting.h"
#include "tui/config.h"
#include "tui/jointime.h"

/* A "time is up" is still worth sending this long after the end; later it is old news. */
#define REMINDERS_LATE_SECONDS (10 * 60)
/* A participant who joined longer ago than this is not news. */
#define REMINDERS_NEWS_SECONDS (5 * 60)
#define REMINDERS_FIVE_LEFT (5 * 60)
/* A join this long before the start (or before the first mark, if that is earlier) counts
 * as joining the session at this time; an earlier one was of a time it was moved from. The
 * join time's own rule (jointime_for), widened to the first mark. */
#define REMINDERS_EARLY_JOIN JOINTIME_AHEAD
/* The join time matters for the end's reminders until this long after the start. */
#define REMINDERS_JOIN_HORIZON (24 * 3600)
/* A claim that found the record held by another process is tried again this much later. */
#define REMINDERS_RETRY_SECONDS 2
#define REMINDERS_KEY_MAX 160

enum reminder_kind {
    REMINDER_START,     /* before the start, at a minute mark (0: the start itself) */
    REMINDER_FIVE_LEFT, /* joined, 5 minutes of the booked time left */
    REMINDER_TIME_UP,   /* joined, the booked time is over */
};

struct reminder {
    enum reminder_kind kind;
    time_t start, end; /* the session's start, and its end as the room's timer counts it */
    /* The sent-marks this reminder stands for: one per minute mark that fell due at once
     * (the client started 30 s before a session stands for both its 10 and 1 minute marks),
     * else one. */
    char keys[CONFIG_MAX_REMIND][REMINDERS_KEY_MAX];
    int n_keys;
};

/* The reminder due at now for m, if any: marks are the remind_minutes (any order, 0 means
 * at the start), joined the recorded join time (0: not joined). A mark M is due from M
 * minutes before the start until the start (mark 0: during the start's first minute), unless
 * the mentor already joined this time of the session (see REMINDERS_EARLY_JOIN); 5 minutes
 * left from 5 minutes before the end to the end, and time up for 10 minutes after the end,
 * both only once joined; the end is `duration` minutes after the later of the start and the
 * join, as the room's timer has it. Nothing for a completed or cancelled session. Does not
 * look at what was sent: the caller claims the keys. Each key holds the session id whole (a
 * long or unusual one hashed) and its scheduled start, so no two sessions, nor two times of
 * one session, share a key. */
bool reminders_due(const struct meeting *m, time_t now, const int *marks, int n_marks,
                   time_t joined, struct reminder *out);

/* The earliest time after now at which something may fall due for m (0: nothing more), so
 * that a caller can sleep until then. With joined 0 (not joined, or not read yet) that
 * includes the earliest "5 minutes left", from which a caller reads the join time. */
time_t reminders_next(const struct meeting *m, time_t now, const int *marks, int n_marks,
                      time_t joined);

/* Whether the join time can change what is due for m at now (around the start marks, and
 * near or after the booked end), so that a caller reads it from the state directory only
 * then. */
bool reminders_need_join(const struct meeting *m, time_t now, const int *marks, int n_marks);

/* The notification for r about m at now: summary and body, plain text (the caller frees
 * both with g_free). */
void reminders_text(const struct reminder *r, const struct meeting *m, time_t now,
                    char **summary, char **body);

/* The participants of m that joined within REMINDERS_NEWS_SECONDS of now and have not left,
 * other than the mentor: calls fn with each and the key to claim for it. */
void reminders_joined(const struct meeting *m, time_t now,
                      void (*fn)(void *ud, const struct participant *p, const char *key),
                      void *ud);

/* ---- what was sent ---- */

enum reminders_claim {
    REMINDERS_SEND,  /* at least one key was not sent before: send it; now recorded */
    REMINDERS_SKIP,  /* every key was sent before (by this or another process) */
    REMINDERS_LATER, /* another process holds the record right now: ask again later */
};

struct reminders_store;

/* The record in the state directory (made if missing). Never NULL unless out of memory;
 * without a usable state directory it remembers for this process only. */
struct reminders_store *reminders_store_open(void);
void reminders_store_free(struct reminders_store *st);

/* Claims keys (n of them) for a session scheduled at start. Never blocks: the lock is tried,
 * not waited for. A record that cannot be written still holds in this process, so nothing
 * is sent twice by it. Entries of sessions that started more than two days before now are
 * dropped as the record is written. */
enum reminders_claim reminders_store_claim(struct reminders_store *st,
                                           const char (*keys)[REMINDERS_KEY_MAX], int n,
                                           time_t start, time_t now);

/* When a claim that answered REMINDERS_LATER is worth making again: REMINDERS_RETRY_SECONDS
 * after the last such answer (0: there was none). A time not after now means nothing waits. */
time_t reminders_store_retry_at(const struct reminders_store *st);

#endif
