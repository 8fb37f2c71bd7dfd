/* Submissions (complete, feedback) that could not be sent for a passing reason, kept in
 * $XDG_STATE_HOME/dheya-meet/outbox/ as one durable file each, and sent again later with
 * the same idempotency key, so that the platform stores them once.
 *
 * Each file records who queued it (a fingerprint of the token, never the token) and for
 * which platform (the normalised address, see submission_origin). An item is sent only
 * under that same identity; the others wait for a run that has it.
 *
 * Layout of the outbox directory:
 *   NAME.json   queued, oldest name first (the name starts with the time it was queued)
 *   claimed/    the item a flush is sending right now; a flush that starts finds here only
 *               what a crashed flush left, and puts it back in the queue
 *   rejected/   items the platform refused for good (400, 403, 404, 409, 422), with its
 *               reason, so that what the mentor wrote is not lost
 *   .lock       held (flock) by the one flush that may run at a time in this directory
 *
 * Sending is asynchronous, on the net/ engine the caller already runs (one poll() loop):
 * outbox_flush_start never blocks, not on the network and not on another process's flush. */
#ifndef TUI_OUTBOX_H
#define TUI_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "net/api.h"
#include "net/submission.h"

#define OUTBOX_ORIGIN_MAX 256

/* Queues s for the platform at api_url under the identity of token (both as the caller
 * uses them now): the file records submission_origin(api_url) and
 * submission_account(token), whatever s->api_url and s->account say. Durable when it
 * returns true; on failure err says why. s stays the caller's. */
bool outbox_add(const char *api_url, const char *token, const struct submission *s, char *err,
                size_t errlen);

/* What an answer to a complete or a feedback means for the submission. One rule for the
 * commands and the flush. */
enum outbox_verdict {
    OUTBOX_VERDICT_DONE,    /* stored (or already stored: the replay of its key) */
    OUTBOX_VERDICT_REFUSED, /* refused for good: 400 and other 4xx, 403, 404, 409 */
    OUTBOX_VERDICT_TOKEN,   /* 401: the token is wrong, not the submission */
    OUTBOX_VERDICT_LATER,   /* unreachable, timed out, 429, 5xx: send it later */
    OUTBOX_VERDICT_UNKNOWN, /* an answer that cannot be read: the platform may have stored
                               it; only the replay of the same key can tell */
    OUTBOX_VERDICT_BLOCKED, /* not sent as configured (TLS failure, a redirect elsewhere, a
                               refused address) or out of memory (res NULL) */
};
enum outbox_verdict outbox_verdict_of(const struct api_result *res);

/* What the outbox holds, seen from one identity (platform address and token). */
struct outbox_census {
    int mine;          /* queued for this platform and this token (claimed ones included) */
    int other_account; /* for this platform, queued under another token, or by an older
                          dheya-meet that did not record who queued it */
    int other_origin;  /* queued for another platform address */
    char other_origin_url[OUTBOX_ORIGIN_MAX]; /* one of those addresses (normalised), or "" */
    int unreadable;    /* files in the queue that are not submissions; left where they are */
    int rejected;      /* files in outbox/rejected/ (whoever queued them) */
};

/* Counts the queue for the identity (api_url, token); session_id, when not NULL, limits
 * "mine" to that session's submissions (the other fields still count every session).
 * Returns c->mine; c may be NULL. Reads files only: never blocks on a flush. */
int outbox_count(const char *api_url, const char *token, const char *session_id,
                 struct outbox_census *c);

/* The ordering rule, for the commands and the screens alike: a submission for a session
 * that already has submissions queued under this identity must not be sent on its own (a
 * feedback sent before its session's queued completion would be refused): it goes into the
 * queue behind them (outbox_add), and a flush sends them in order. */
bool outbox_must_follow(const char *api_url, const char *token, const char *session_id);

/* The outcome of one flush. Counts are of items, each counted once. */
struct outbox_report {
    int sent;          /* delivered (or answered as already stored) and removed */
    int kept;          /* this identity's, still queued: a passing failure, an answer that
                          could not be read (outcome unknown: the replay with the same key
                          settles it), a rejected token, or not tried after one of those */
    int rejected;      /* refused for good by the platform; moved to outbox/rejected/ */
    int other_account; /* as in outbox_census: not tried */
    int other_origin;  /* as in outbox_census: not tried */
    char other_origin_url[OUTBOX_ORIGIN_MAX];
    int unreadable;    /* as in outbox_census: not tried */
    bool token_rejected; /* the platform answered 401: the token is wrong, not the
                            submissions; everything stays queued */
};

/* One flush in progress. */
struct outbox_flush;

/* done receives the report (valid during the call only). note receives one line of text
 * (sanitized, no newline) per item sent, refused or kept, for a log or a status line. */
typedef void (*outbox_done_fn)(void *ud, const struct outbox_report *r);
typedef void (*outbox_note_fn)(void *ud, const char *line);

enum outbox_start {
    OUTBOX_STARTED, /* a flush is running; done will be called */
    OUTBOX_EMPTY,   /* nothing queued for this identity (outbox_count says what else is) */
    OUTBOX_BUSY,    /* another flush (this process or another) holds the lock; nothing done */
    OUTBOX_FAILED,  /* no state directory, or out of memory */
};

/* Starts sending, oldest first, the items queued for the identity (api_url, token) on api
 * (which must speak to that same platform with that same token). Sends one item at a time,
 * because order matters (a completion before the feedback on it); stops at the first
 * failure that is not a verdict on the item itself (unreachable, timeout, 429, 5xx, a
 * rejected token, an unreadable answer), leaving it and the rest queued.
 *
 * Returns the flush, or NULL with *how (may be NULL) saying why nothing was started.
 * Never blocks: the lock is tried, not waited for. done and note are called from the
 * engine's dispatch (http_engine_dispatch), never from inside this function; done is
 * called exactly once, last, after which the flush is freed by this module and the
 * handle must not be used. api, api_url and token must outlive the flush; the strings
 * are copied. */
struct outbox_flush *outbox_flush_start(struct api *api, const char *api_url,
                                        const char *token, outbox_done_fn done,
                                        outbox_note_fn note, void *ud, enum outbox_start *how);

/* Stops a flush before done was called (e.g. the user quits): done is never called, the
 * item in flight goes back to the queue (its request may still reach the platform; the
 * replay with the same key settles that), the lock is released, and f is freed. */
void outbox_flush_cancel(struct outbox_flush *f);

/* Calls fn for each file in outbox/rejected/, oldest first: its path, and the submission
 * (NULL for a file that is not one). Both are valid during the call only. */
void outbox_each_rejected(void (*fn)(void *ud, const char *path, const struct submission *s),
                          void *ud);

#endif
