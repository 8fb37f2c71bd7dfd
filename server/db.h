/* The platform's SQLite database: users, packages, bookings, feedback, webhook events.
 * Every function is thread-safe: each call borrows a connection of its own from a pool, and
 * the database runs in WAL mode, so reads go on beside a write and never wait for one. Each
 * write is one short transaction, committed (synchronous=FULL) before it returns; a write
 * that cannot get the database lock within 1 s gives DB_BUSY. JSON results, jansson
 * references or text, are the caller's to release or free. */
#ifndef SERVER_DB_H
#define SERVER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "server/provider.h"

struct db;

enum db_result {
    DB_OK,
    DB_NOT_FOUND, /* no such session (or referenced mentor/package) */
    DB_FORBIDDEN, /* the caller is not a participant, or has the wrong role */
    DB_CONFLICT,  /* the booking's state forbids it */
    DB_DUPLICATE, /* a webhook event already processed */
    DB_INVALID,   /* the request names something that does not fit */
    DB_MISMATCH,  /* an idempotency key already used for a different request */
    DB_BUSY,      /* the database is locked by another process */
    DB_ERROR,     /* anything else: I/O, disk full, read-only */
};

struct db_user {
    char id[40];
    char role[8]; /* "mentor" or "user" */
};

/* Opens (creating if needed) and migrates the database at path. Processes that open a new
 * file at the same moment take turns; each finds the schema whole. NULL with err on
 * failure. */
struct db *db_open(const char *path, char *err, size_t errlen);
/* Closes every connection; no other call may be under way. */
void db_close(struct db *db);

/* True when the database holds no users (used by --demo). */
bool db_is_empty(struct db *db);

/* Creates a user with a fresh random token; writes id and token (65 bytes each). An email
 * already taken, compared without regard to case, is DB_CONFLICT with err saying so. */
enum db_result db_user_add(struct db *db, const char *name, const char *email, const char *role,
                           char id[40], char token[65], char *err, size_t errlen);
enum db_result db_package_add(struct db *db, const char *name, char id[40]);

/* Looks up the user a bearer token belongs to. */
enum db_result db_user_by_token(struct db *db, const char *token, struct db_user *out);

/* What a booking still waits for from its provider. */
struct db_due {
    bool meeting; /* a SCHEDULED booking without a meeting URL */
    bool change;  /* a reschedule or cancellation not yet at the provider, due for a try */
};

/* The meeting object of DESIGN.md for one booking as `viewer` sees it, as JSON text in
 * *body (caller frees); what the provider still owes it in *due when due is not NULL.
 * Only reads: meetings.c asks the provider. The object's booking holds "meetingUrl" (null
 * while there is none), "provider", "meetingPasscode" (only where the URL does not carry
 * it) and "meetingError" (only while there is no URL and the last attempt failed). */
enum db_result db_meeting(struct db *db, const char *booking_id, const struct db_user *viewer,
                          char **body, struct db_due *due);

/* A booking as its provider needs to know it, with what is stored of its meeting. Every
 * pointer is owned by the row; booking's strings point into it. */
struct db_provider_row {
    struct provider_booking booking;
    char status[16], provider[16];
    char *meeting_id, *url; /* NULL while there is none */
    long long sync_wanted, sync_done; /* changes made, and reflected at the provider */
    char *id, *package, *mentor_email, *mentee_email;
};

/* Reads booking_id for its provider, whoever asks (the caller has checked access): row's
 * booking.tried says an earlier attempt to make its meeting failed. Free with
 * db_provider_row_free, also after a failure. */
enum db_result db_provider_row(struct db *db, const char *booking_id,
                               struct db_provider_row *out);
void db_provider_row_free(struct db_provider_row *row);

/* Stores what an attempt to make a booking's meeting gave, unless the booking has a URL
 * already: m's id, URL and passcode (any may be NULL), provider as its provider, error
 * (NULL after a success) as the reason shown while there is no URL, and generation as the
 * count of changes the meeting reflects. A meeting `behind` the booking (one an earlier
 * attempt made, found but not brought to the booking's time) is owed the booking as it
 * stands: one more change is counted for it, sent no sooner than retry_seconds from now. */
enum db_result db_meeting_store(struct db *db, const char *booking_id, const char *provider,
                                const struct provider_meeting *m, long long generation,
                                const char *error, bool behind, unsigned retry_seconds);

/* Forgets the booking's meeting meeting_id, gone at its provider: no id, URL, passcode or
 * error, so that a new meeting is made for it. The new one is made from the booking as it
 * is then, so the first generation changes are counted as sent. Nothing changes when the
 * booking's meeting is no longer meeting_id. */
enum db_result db_meeting_forget(struct db *db, const char *booking_id, const char *meeting_id,
                                 long long generation);

/* Records a change sent to the provider: on success the meeting reflects the first
 * generation changes; on failure it is tried again no sooner than retry_seconds from now. */
enum db_result db_sync_result(struct db *db, const char *booking_id, long long generation,
                              bool ok, unsigned retry_seconds);

/* Reschedules (start and/or duration, NULL for unchanged) or cancels a booking for one of
 * its participants, and counts one more change for its provider. A booking COMPLETED, or
 * CANCELLED for a reschedule, is DB_CONFLICT with err saying so; cancelling a cancelled one
 * is DB_OK and changes nothing. */
enum db_result db_booking_change(struct db *db, const char *booking_id,
                                 const struct db_user *viewer, const time_t *start,
                                 const int *duration, bool cancel, char *err, size_t errlen);

/* The viewer's sessions scheduled in [from, to), soonest first, as the JSON text
 * {"sessions": [...]} in *body (caller frees), each the object db_meeting gives. */
enum db_result db_sessions(struct db *db, const struct db_user *viewer, time_t from, time_t to,
                           char **body);

/* Marks the booking COMPLETED (a second time is not an error; CANCELLED is a conflict,
 * explained in err). */
enum db_result db_complete(struct db *db, const char *booking_id, const struct db_user *viewer,
                           json_t **out, char *err, size_t errlen);

struct db_feedback {
    int rating;
    const char *comment;         /* never NULL */
    const char *idempotency_key; /* NULL when the request had none */
};

/* Stores the viewer's feedback for a COMPLETED booking. With an idempotency key already
 * used for the same rating and comment, *status and *body are the first answer's, replayed;
 * the same key with another rating or comment is DB_MISMATCH, and with another booking
 * DB_INVALID (err says which). On DB_OK *body is the response (caller frees) and *status
 * 200. */
enum db_result db_feedback(struct db *db, const char *booking_id, const struct db_user *viewer,
                           const struct db_feedback *fb, int *status, char **body,
                           char *err, size_t errlen);

struct db_booking_request {
    const char *mentor_id, *package_id, *notes;
    int session_number, duration;
    time_t scheduled_at;
};

/* A mentee books a session: stores it, SCHEDULED with provider as its provider and no
 * meeting yet, and writes its id (meetings.c then makes the meeting). A mentor or package
 * that does not exist is DB_INVALID, a caller who is not a mentee DB_FORBIDDEN. */
enum db_result db_booking_create(struct db *db, const char *provider,
                                 const struct db_user *viewer,
                                 const struct db_booking_request *req, char id[40],
                                 char *err, size_t errlen);

struct db_event {
    /* Who signed it: the name of the signature scheme, i.e. of the secret ("generic" for
     * WEBHOOK_SECRET, "zoom"). Event ids are unique per scheme, not per x-provider header,
     * which nothing signs. */
    const char *scheme;
    const char *id, *event, *booking_id;
    const char *participant_name, *participant_email; /* may be NULL */
    time_t occurred_at;
};

/* Records one provider webhook event and applies its effect, once per (scheme, id): a
 * repeat is DB_DUPLICATE and changes nothing. */
enum db_result db_webhook_event(struct db *db, const struct db_event *ev);

/* Inserts a SCHEDULED booking for user_id directly (demo data) and writes its id. */
enum db_result db_booking_insert(struct db *db, const char *provider, const char *user_id,
                                 const struct db_booking_request *req, char id[40]);

#endif
