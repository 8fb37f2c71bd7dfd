#include "server/db.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "server/crypto.h"
#include "server/iso8601.h"

struct db {
    sqlite3 *conn;
    pthread_mutex_t lock;
};

/* Schema versions, applied in order; PRAGMA user_version says how many have run. */
static const char *const migrations[] = {
    "CREATE TABLE users("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK (role IN ('mentor', 'user')),"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  rating_sum INTEGER NOT NULL DEFAULT 0, rating_count INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE packages(id TEXT PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE bookings("
    "  id TEXT PRIMARY KEY,"
    "  user_id TEXT NOT NULL REFERENCES users(id),"
    "  mentor_id TEXT NOT NULL REFERENCES users(id),"
    "  package_id TEXT NOT NULL REFERENCES packages(id),"
    "  session_number INTEGER NOT NULL, scheduled_at INTEGER NOT NULL,"
    "  duration INTEGER NOT NULL DEFAULT 60,"
    "  status TEXT NOT NULL DEFAULT 'SCHEDULED',"
    "  meeting_url TEXT, provider TEXT, notes TEXT,"
    "  meeting_started_at INTEGER, meeting_ended_at INTEGER,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX bookings_by_user ON bookings(user_id, scheduled_at);"
    "CREATE INDEX bookings_by_mentor ON bookings(mentor_id, scheduled_at);"
    "CREATE TABLE feedback("
    "  booking_id TEXT NOT NULL REFERENCES bookings(id),"
    "  author_id TEXT NOT NULL REFERENCES users(id),"
    "  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),"
    "  comment TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (booking_id, author_id));"
    "CREATE TABLE idempotency("
    "  author_id TEXT NOT NULL, key TEXT NOT NULL, booking_id TEXT NOT NULL,"
    "  status INTEGER NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (author_id, key));"
    "CREATE TABLE participants("
    "  id INTEGER PRIMARY KEY, booking_id TEXT NOT NULL REFERENCES bookings(id),"
    "  name TEXT NOT NULL, email TEXT, joined_at INTEGER, left_at INTEGER);"
    "CREATE TABLE webhook_events("
    "  provider TEXT NOT NULL, event_id TEXT NOT NULL, received_at INTEGER NOT NULL,"
    "  PRIMARY KEY (provider, event_id));",
};

static enum db_result result_of(int rc)
{
    switch (rc) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return DB_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return DB_BUSY;
    default:
        return DB_ERROR;
    }
}

/* Prepares sql and binds the arguments: a format letter per argument, 't' text (NULL binds
 * NULL), 'i' int, 'l' int64. Returns NULL (logged) on error. */
static sqlite3_stmt *prepare(struct db *db, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "db: %s: %s\n", sqlite3_errmsg(db->conn), sql);
        return NULL;
    }
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't') {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
        } else if (types[i] == 'i') {
            sqlite3_bind_int(st, i + 1, va_arg(ap, int));
        } else {
            sqlite3_bind_int64(st, i + 1, (sqlite3_int64)va_arg(ap, long long));
        }
    }
    va_end(ap);
    return st;
}

/* Runs a statement that returns no rows; finalizes it. */
static enum db_result run(struct db *db, sqlite3_stmt *st)
{
    if (st == NULL)
        return DB_ERROR;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        fprintf(stderr, "db: %s\n", sqlite3_errmsg(db->conn));
    sqlite3_finalize(st);
    return result_of(rc);
}

static enum db_result exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->conn, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "db: %s\n", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return result_of(rc);
}

/* Ends a transaction: COMMIT on DB_OK, else ROLLBACK. A failed commit is an error. */
static enum db_result finish(struct db *db, enum db_result r)
{
    if (r == DB_OK) {
        r = exec(db, "COMMIT");
        if (r == DB_OK)
            return r;
    }
    exec(db, "ROLLBACK");
    return r;
}

static char *column_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? strdup((const char *)s) : NULL;
}

struct db *db_open(const char *path, char *err, size_t errlen)
{
    struct db *db = calloc(1, sizeof *db);
    if (db == NULL)
        return NULL;
    pthread_mutex_init(&db->lock, NULL);
    int rc = sqlite3_open_v2(path, &db->conn,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
        db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->conn, 5000);
    sqlite3_extended_result_codes(db->conn, 0);
    if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON")
        != DB_OK) {
        snprintf(err, errlen, "cannot set up database %s: %s", path, sqlite3_errmsg(db->conn));
        db_close(db);
        return NULL;
    }
    sqlite3_stmt *st = prepare(db, "PRAGMA user_version", "");
    int version = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    int latest = (int)(sizeof migrations / sizeof *migrations);
    if (version < 0 || version > latest) {
        snprintf(err, errlen, "database %s: schema version %d is not one this server knows "
                 "(newest %d)", path, version, latest);
        db_close(db);
        return NULL;
    }
    for (int v = version; v < latest; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
        enum db_result r = exec(db, "BEGIN IMMEDIATE");
        if (r == DB_OK)
            r = exec(db, migrations[v]);
        if (r == DB_OK)
            r = exec(db, pragma);
        if (finish(db, r) != DB_OK) {
            snprintf(err, errlen, "database %s: migration to version %d failed: %s", path,
                     v + 1, sqlite3_errmsg(db->conn));
            db_close(db);
            return NULL;
        }
    }
    return db;
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    sqlite3_close(db->conn);
    pthread_mutex_destroy(&db->lock);
    free(db);
}

static bool new_id(char prefix, char id[40])
{
    id[0] = prefix;
    return crypto_random_hex(id + 1, 10);
}

bool db_is_empty(struct db *db)
{
    pthread_mutex_lock(&db->lock);
    sqlite3_stmt *st = prepare(db, "SELECT count(*) FROM users", "");
    bool empty = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    pthread_mutex_unlock(&db->lock);
    return empty;
}

enum db_result db_user_add(struct db *db, const char *name, const char *email, const char *role,
                           char id[40], char token[65], char *err, size_t errlen)
{
    char hash[65];
    if (!new_id('u', id) || !crypto_random_hex(token, 32))
        return DB_ERROR;
    crypto_sha256_hex(token, hash);
    pthread_mutex_lock(&db->lock);
    sqlite3_stmt *st = prepare(db, "INSERT INTO users(id, name, email, role, token_hash, "
                               "created_at) VALUES (?, ?, ?, ?, ?, ?)", "tttttl",
                               id, name, email, role, hash, (long long)time(NULL));
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc == SQLITE_CONSTRAINT)
        snprintf(err, errlen, "a user with email %s already exists", email);
    else if (rc != SQLITE_DONE)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db->conn));
    sqlite3_finalize(st);
    pthread_mutex_unlock(&db->lock);
    return rc == SQLITE_CONSTRAINT ? DB_CONFLICT : result_of(rc);
}

enum db_result db_package_add(struct db *db, const char *name, char id[40])
{
    if (!new_id('p', id))
        return DB_ERROR;
    pthread_mutex_lock(&db->lock);
    enum db_result r = run(db, prepare(db, "INSERT INTO packages(id, name) VALUES (?, ?)", "tt",
                                       id, name));
    pthread_mutex_unlock(&db->lock);
    return r;
}

enum db_result db_user_by_token(struct db *db, const char *token, struct db_user *out)
{
    char hash[65];
    crypto_sha256_hex(token, hash);
    pthread_mutex_lock(&db->lock);
    sqlite3_stmt *st = prepare(db, "SELECT id, role FROM users WHERE token_hash = ?", "t", hash);
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc == SQLITE_ROW) {
        snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(out->role, sizeof out->role, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&db->lock);
    return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
}

static json_t *time_or_null(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    char buf[32];
    iso8601_format((time_t)sqlite3_column_int64(st, col), buf);
    return json_string(buf);
}

static json_t *text_or_null(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? json_string((const char *)s) : json_null();
}

#define BOOKING_COLUMNS \
    "b.id, b.session_number, b.scheduled_at, b.duration, b.notes, b.status, b.meeting_url, " \
    "b.provider, b.meeting_started_at, b.meeting_ended_at, u.name, u.email, m.name, " \
    "m.email, m.rating_sum, m.rating_count, p.name, b.user_id, b.mentor_id "
#define BOOKING_FROM \
    "FROM bookings b JOIN users u ON u.id = b.user_id JOIN users m ON m.id = b.mentor_id " \
    "JOIN packages p ON p.id = b.package_id "

/* Builds the meeting object from a row of BOOKING_COLUMNS; the caller holds the lock. */
static json_t *meeting_json(struct db *db, sqlite3_stmt *row, const struct db_user *viewer)
{
    const char *id = (const char *)sqlite3_column_text(row, 0);
    char when[32];
    iso8601_format((time_t)sqlite3_column_int64(row, 2), when);
    long long count = sqlite3_column_int64(row, 15);
    json_t *rating = count ? json_real((double)(sqlite3_column_int64(row, 14) * 100 / count)
                                       / 100.0)
                           : json_null();

    json_t *feedback = json_null();
    sqlite3_stmt *st = prepare(db, "SELECT rating, comment FROM feedback WHERE booking_id = ? "
                               "AND author_id = ?", "tt", id, viewer->id);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        json_decref(feedback);
        feedback = json_pack("{s:i, s:s}", "rating", sqlite3_column_int(st, 0), "comment",
                             (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);

    json_t *people = json_array();
    st = prepare(db, "SELECT name, joined_at, left_at FROM participants WHERE booking_id = ? "
                 "ORDER BY coalesce(joined_at, left_at), id", "t", id);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(people, json_pack("{s:s, s:o, s:o}",
                                                "name", (const char *)sqlite3_column_text(st, 0),
                                                "joinedAt", time_or_null(st, 1),
                                                "leftAt", time_or_null(st, 2)));
    sqlite3_finalize(st);

    return json_pack("{s:{s:s, s:i, s:s, s:i, s:o, s:s, s:o, s:o, s:o},"
                     " s:{s:s, s:s}, s:{s:s, s:s, s:o, s:I}, s:{s:s},"
                     " s:o, s:o, s:o}",
                     "booking", "id", id, "sessionNumber", sqlite3_column_int(row, 1),
                     "scheduledAt", when, "duration", sqlite3_column_int(row, 3),
                     "notes", text_or_null(row, 4),
                     "status", (const char *)sqlite3_column_text(row, 5),
                     "meetingUrl", text_or_null(row, 6), "provider", text_or_null(row, 7),
                     "feedback", feedback,
                     "user", "name", (const char *)sqlite3_column_text(row, 10),
                     "email", (const char *)sqlite3_column_text(row, 11),
                     "mentor", "name", (const char *)sqlite3_column_text(row, 12),
                     "email", (const char *)sqlite3_column_text(row, 13),
                     "rating", rating, "ratingCount", (json_int_t)count,
                     "package", "name", (const char *)sqlite3_column_text(row, 16),
                     "participants", people,
                     "meetingStartedAt", time_or_null(row, 8),
                     "meetingEndedAt", time_or_null(row, 9));
}

/* Checks that booking_id exists and viewer takes part in it; the caller holds the lock. */
static enum db_result access_check(struct db *db, const char *booking_id,
                                   const struct db_user *viewer, char status[16])
{
    sqlite3_stmt *st = prepare(db, "SELECT user_id, mentor_id, status FROM bookings WHERE id = ?",
                               "t", booking_id);
    if (st == NULL)
        return DB_ERROR;
    int rc = sqlite3_step(st);
    enum db_result r = rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
    if (rc == SQLITE_ROW) {
        const char *user = (const char *)sqlite3_column_text(st, 0);
        const char *mentor = (const char *)sqlite3_column_text(st, 1);
        r = strcmp(user, viewer->id) == 0 || strcmp(mentor, viewer->id) == 0 ? DB_OK
                                                                              : DB_FORBIDDEN;
        if (status)
            snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    return r;
}

/* Gives the booking a meeting URL if it has none; the caller holds the lock. */
static enum db_result ensure_meeting_url(struct db *db, const struct provider *prov,
                                         const char *booking_id)
{
    sqlite3_stmt *st = prepare(db, "SELECT meeting_url FROM bookings WHERE id = ?", "t",
                               booking_id);
    bool missing = st && sqlite3_step(st) == SQLITE_ROW &&
                   sqlite3_column_type(st, 0) == SQLITE_NULL;
    sqlite3_finalize(st);
    if (!missing)
        return st ? DB_OK : DB_ERROR;
    char err[256];
    char *url = prov->create_meeting(booking_id, err, sizeof err);
    if (url == NULL)
        return DB_ERROR;
    enum db_result r = run(db, prepare(db, "UPDATE bookings SET meeting_url = ?, provider = ?, "
                                       "updated_at = ? WHERE id = ? AND meeting_url IS NULL",
                                       "ttlt", url, prov->name, (long long)time(NULL),
                                       booking_id));
    free(url);
    return r;
}

/* The meeting object for one booking; the caller holds the lock. */
static enum db_result meeting_locked(struct db *db, const char *booking_id,
                                     const struct db_user *viewer, json_t **out)
{
    sqlite3_stmt *st = prepare(db, "SELECT " BOOKING_COLUMNS BOOKING_FROM "WHERE b.id = ?", "t",
                               booking_id);
    if (st == NULL)
        return DB_ERROR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = meeting_json(db, st, viewer);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return *out ? DB_OK : DB_ERROR;
    return rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
}

enum db_result db_meeting(struct db *db, const struct provider *prov, const char *booking_id,
                          const struct db_user *viewer, json_t **out)
{
    pthread_mutex_lock(&db->lock);
    enum db_result r = access_check(db, booking_id, viewer, NULL);
    if (r == DB_OK)
        r = ensure_meeting_url(db, prov, booking_id);
    if (r == DB_OK)
        r = meeting_locked(db, booking_id, viewer, out);
    pthread_mutex_unlock(&db->lock);
    return r;
}

enum db_result db_sessions(struct db *db, const struct db_user *viewer, time_t from, time_t to,
                           json_t **out)
{
    pthread_mutex_lock(&db->lock);
    sqlite3_stmt *st = prepare(db, "SELECT " BOOKING_COLUMNS BOOKING_FROM
                               "WHERE (b.user_id = ?1 OR b.mentor_id = ?1) "
                               "AND b.scheduled_at >= ?2 AND b.scheduled_at < ?3 "
                               "ORDER BY b.scheduled_at, b.id", "tll",
                               viewer->id, (long long)from, (long long)to);
    json_t *list = json_array();
    int rc = SQLITE_ERROR;
    while (st && (rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(list, meeting_json(db, st, viewer));
    sqlite3_finalize(st);
    pthread_mutex_unlock(&db->lock);
    if (rc != SQLITE_DONE) {
        json_decref(list);
        return result_of(rc) == DB_OK ? DB_ERROR : result_of(rc);
    }
    *out = json_pack("{s:o}", "sessions", list);
    return DB_OK;
}

enum db_result db_complete(struct db *db, const char *booking_id, const struct db_user *viewer,
                           json_t **out, char *err, size_t errlen)
{
    char status[16];
    pthread_mutex_lock(&db->lock);
    enum db_result r = exec(db, "BEGIN IMMEDIATE");
    if (r == DB_OK)
        r = access_check(db, booking_id, viewer, status);
    if (r == DB_OK && strcmp(status, "CANCELLED") == 0) {
        snprintf(err, errlen, "the session was cancelled; it cannot be completed");
        r = DB_CONFLICT;
    }
    if (r == DB_OK && strcmp(status, "COMPLETED") != 0)
        r = run(db, prepare(db, "UPDATE bookings SET status = 'COMPLETED', updated_at = ? "
                            "WHERE id = ?", "lt", (long long)time(NULL), booking_id));
    r = finish(db, r);
    pthread_mutex_unlock(&db->lock);
    if (r == DB_OK)
        *out = json_pack("{s:b, s:{s:s, s:s}}", "success", 1, "booking", "id", booking_id,
                         "status", "COMPLETED");
    return r;
}

/* Replays a stored answer for (author, key), if any; the caller holds the lock. */
static enum db_result idempotent_replay(struct db *db, const char *author, const char *key,
                                        const char *booking_id, int *status, char **body)
{
    sqlite3_stmt *st = prepare(db, "SELECT booking_id, status, body FROM idempotency "
                               "WHERE author_id = ? AND key = ?", "tt", author, key);
    if (st == NULL)
        return DB_ERROR;
    enum db_result r = DB_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(st, 0), booking_id) != 0) {
            r = DB_INVALID;
        } else {
            *status = sqlite3_column_int(st, 1);
            *body = column_dup(st, 2);
            r = *body ? DB_DUPLICATE : DB_ERROR;
        }
    }
    sqlite3_finalize(st);
    return r;
}

enum db_result db_feedback(struct db *db, const char *booking_id, const struct db_user *viewer,
                           const struct db_feedback *fb, int *status, char **body,
                           char *err, size_t errlen)
{
    char state[16];
    long long now = (long long)time(NULL);
    *body = NULL;
    pthread_mutex_lock(&db->lock);
    enum db_result r = exec(db, "BEGIN IMMEDIATE");
    if (r == DB_OK)
        r = access_check(db, booking_id, viewer, state);
    if (r == DB_OK && fb->idempotency_key) {
        r = idempotent_replay(db, viewer->id, fb->idempotency_key, booking_id, status, body);
        if (r == DB_DUPLICATE) {
            finish(db, DB_DUPLICATE);
            pthread_mutex_unlock(&db->lock);
            return DB_OK;
        }
        if (r == DB_INVALID)
            snprintf(err, errlen, "this Idempotency-Key was already used for another session");
        else if (r == DB_NOT_FOUND)
            r = DB_OK;
    }
    if (r == DB_OK && strcmp(state, "COMPLETED") != 0) {
        snprintf(err, errlen, "the session is %s; feedback is accepted once it is COMPLETED",
                 state);
        r = DB_CONFLICT;
    }
    if (r == DB_OK) {
        sqlite3_stmt *st = prepare(db, "INSERT INTO feedback(booking_id, author_id, rating, "
                                   "comment, created_at) VALUES (?, ?, ?, ?, ?)", "ttitl",
                                   booking_id, viewer->id, fb->rating, fb->comment, now);
        int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
        sqlite3_finalize(st);
        if (rc == SQLITE_CONSTRAINT) {
            snprintf(err, errlen, "feedback for this session was already given");
            r = DB_CONFLICT;
        } else {
            r = result_of(rc);
        }
    }
    /* The mentee's rating feeds the mentor's average; the mentor's own is only stored. */
    if (r == DB_OK && strcmp(viewer->role, "user") == 0)
        r = run(db, prepare(db, "UPDATE users SET rating_sum = rating_sum + ?, "
                            "rating_count = rating_count + 1 WHERE id = "
                            "(SELECT mentor_id FROM bookings WHERE id = ?)", "it",
                            fb->rating, booking_id));
    if (r == DB_OK) {
        json_t *resp = json_pack("{s:b, s:{s:s, s:{s:i, s:s}}}", "success", 1, "booking",
                                 "id", booking_id, "feedback", "rating", fb->rating,
                                 "comment", fb->comment);
        *body = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
        json_decref(resp);
        *status = 200;
        if (*body == NULL)
            r = DB_ERROR;
    }
    if (r == DB_OK && fb->idempotency_key)
        r = run(db, prepare(db, "INSERT INTO idempotency(author_id, key, booking_id, status, "
                            "body, created_at) VALUES (?, ?, ?, ?, ?, ?)", "tttitl",
                            viewer->id, fb->idempotency_key, booking_id, *status, *body, now));
    r = finish(db, r);
    pthread_mutex_unlock(&db->lock);
    if (r != DB_OK) {
        free(*body);
        *body = NULL;
    }
    return r;
}

/* Inserts a booking row and its meeting URL; the caller holds the lock, in a transaction. */
static enum db_result insert_booking(struct db *db, const struct provider *prov, const char *id,
                                     const char *user_id, const struct db_booking_request *req,
                                     const char *status)
{
    char err[256];
    char *url = prov->create_meeting(id, err, sizeof err);
    if (url == NULL) {
        fprintf(stderr, "db: %s: %s\n", prov->name, err);
        return DB_ERROR;
    }
    long long now = (long long)time(NULL);
    enum db_result r = run(db, prepare(db, "INSERT INTO bookings(id, user_id, mentor_id, "
                                       "package_id, session_number, scheduled_at, duration, "
                                       "status, meeting_url, provider, notes, created_at, "
                                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                       "ttttilittttll", id, user_id, req->mentor_id,
                                       req->package_id, req->session_number,
                                       (long long)req->scheduled_at, req->duration,
                                       status ? status : "SCHEDULED", url, prov->name,
                                       req->notes, now, now));
    free(url);
    return r;
}

enum db_result db_booking_create(struct db *db, const struct provider *prov,
                                 const struct db_user *viewer,
                                 const struct db_booking_request *req, json_t **out,
                                 char *err, size_t errlen)
{
    char id[40];
    if (strcmp(viewer->role, "user") != 0) {
        snprintf(err, errlen, "only a mentee can book a session");
        return DB_FORBIDDEN;
    }
    if (!new_id('b', id))
        return DB_ERROR;
    pthread_mutex_lock(&db->lock);
    enum db_result r = exec(db, "BEGIN IMMEDIATE");
    if (r == DB_OK) {
        sqlite3_stmt *st = prepare(db, "SELECT (SELECT count(*) FROM users WHERE id = ? AND "
                                   "role = 'mentor'), (SELECT count(*) FROM packages WHERE "
                                   "id = ?)", "tt", req->mentor_id, req->package_id);
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            if (sqlite3_column_int(st, 0) == 0) {
                snprintf(err, errlen, "mentorId: no mentor %s", req->mentor_id);
                r = DB_INVALID;
            } else if (sqlite3_column_int(st, 1) == 0) {
                snprintf(err, errlen, "packageId: no package %s", req->package_id);
                r = DB_INVALID;
            }
        } else {
            r = DB_ERROR;
        }
        sqlite3_finalize(st);
    }
    if (r == DB_OK)
        r = insert_booking(db, prov, id, viewer->id, req, NULL);
    r = finish(db, r);
    if (r == DB_OK)
        r = meeting_locked(db, id, viewer, out);
    pthread_mutex_unlock(&db->lock);
    return r;
}

enum db_result db_booking_insert(struct db *db, const struct provider *prov, const char *user_id,
                                 const char *mentor_id, const char *package_id, int number,
                                 time_t when, int duration, const char *notes,
                                 const char *status)
{
    char id[40];
    struct db_booking_request req = {.mentor_id = mentor_id, .package_id = package_id,
                                     .notes = notes, .session_number = number,
                                     .duration = duration, .scheduled_at = when};
    if (!new_id('b', id))
        return DB_ERROR;
    pthread_mutex_lock(&db->lock);
    enum db_result r = exec(db, "BEGIN IMMEDIATE");
    if (r == DB_OK)
        r = insert_booking(db, prov, id, user_id, &req, status);
    r = finish(db, r);
    pthread_mutex_unlock(&db->lock);
    return r;
}

/* Applies one event's effect to the booking; the caller holds the lock, in a transaction. */
static enum db_result apply_event(struct db *db, const struct db_event *ev)
{
    long long at = (long long)ev->occurred_at, now = (long long)time(NULL);
    const char *e = ev->event;
    if (strcmp(e, "meeting.started") == 0)
        return run(db, prepare(db, "UPDATE bookings SET meeting_started_at = "
                               "coalesce(meeting_started_at, ?), updated_at = ? WHERE id = ?",
                               "llt", at, now, ev->booking_id));
    if (strcmp(e, "meeting.ended") == 0)
        return run(db, prepare(db, "UPDATE bookings SET meeting_ended_at = ?, status = CASE "
                               "WHEN status = 'CANCELLED' THEN status ELSE 'COMPLETED' END, "
                               "updated_at = ? WHERE id = ?", "llt", at, now, ev->booking_id));
    const char *name = ev->participant_name ? ev->participant_name : ev->participant_email;
    if (strcmp(e, "participant.joined") == 0)
        return run(db, prepare(db, "INSERT INTO participants(booking_id, name, email, "
                               "joined_at) VALUES (?, ?, ?, ?)", "tttl", ev->booking_id, name,
                               ev->participant_email, at));
    /* participant.left: close the latest open stay of the same person, or record the leave. */
    sqlite3_stmt *st = prepare(db, "UPDATE participants SET left_at = ? WHERE id = (SELECT id "
                               "FROM participants WHERE booking_id = ? AND left_at IS NULL AND "
                               "(name = ? OR email = ?) ORDER BY id DESC LIMIT 1)", "lttt",
                               at, ev->booking_id, name, ev->participant_email);
    enum db_result r = run(db, st);
    if (r == DB_OK && sqlite3_changes(db->conn) == 0)
        r = run(db, prepare(db, "INSERT INTO participants(booking_id, name, email, left_at) "
                            "VALUES (?, ?, ?, ?)", "tttl", ev->booking_id, name,
                            ev->participant_email, at));
    return r;
}

enum db_result db_webhook_event(struct db *db, const struct db_event *ev)
{
    pthread_mutex_lock(&db->lock);
    enum db_result r = exec(db, "BEGIN IMMEDIATE");
    if (r == DB_OK) {
        sqlite3_stmt *st = prepare(db, "INSERT INTO webhook_events(provider, event_id, "
                                   "received_at) VALUES (?, ?, ?)", "ttl", ev->provider, ev->id,
                                   (long long)time(NULL));
        int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
        sqlite3_finalize(st);
        r = rc == SQLITE_CONSTRAINT ? DB_DUPLICATE : result_of(rc);
    }
    if (r == DB_OK) {
        sqlite3_stmt *st = prepare(db, "SELECT 1 FROM bookings WHERE id = ?", "t",
                                   ev->booking_id);
        int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
        sqlite3_finalize(st);
        r = rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
    }
    if (r == DB_OK)
        r = apply_event(db, ev);
    r = finish(db, r);
    pthread_mutex_unlock(&db->lock);
    return r;
}
