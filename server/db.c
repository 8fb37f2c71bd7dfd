#include "server/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "server/crypto.h"
#include "server/iso8601.h"

/* How long a write may wait for the database lock before it is answered 503 (Retry-After).
 * Our own writers hold the lock for milliseconds; a longer wait means another process holds
 * it, and a worker thread that waits serves no one else meanwhile, so give up soon. */
#define BUSY_MS 1000
#define STMT_CACHE 48  /* more than the distinct statements in this file */
#define IDLE_MAX 16    /* idle connections kept open for the next call */

/* One SQLite connection and the statements prepared on it; one thread at a time uses it. */
struct conn {
    sqlite3 *sql;
    struct {
        const char *text; /* the SQL literal, compared by address */
        sqlite3_stmt *st;
    } cache[STMT_CACHE];
    bool writing;      /* in a write transaction write_begin started */
    struct conn *next; /* in db->idle */
};

struct db {
    char *path;
    pthread_mutex_t pool_lock; /* guards idle and nidle */
    struct conn *idle;
    unsigned nidle;
    /* This process's writers take turns on this mutex, which hands over at once, rather than
     * in SQLite's busy handler, which sleeps and retries in steps of up to 100 ms. The busy
     * handler is left for writers in other processes. Readers never take it. */
    pthread_mutex_t write_lock;
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

    /* 2: participants found by booking without a scan; the fingerprint of the request an
     * idempotency key was first used for; webhook events deduplicated per signing scheme
     * (jitsi and google-meet share WEBHOOK_SECRET, so they share one scheme). */
    "CREATE INDEX participants_by_booking ON participants(booking_id, id);"
    "ALTER TABLE idempotency ADD COLUMN request_hash TEXT;"
    "CREATE TABLE webhook_events_by_scheme("
    "  scheme TEXT NOT NULL, event_id TEXT NOT NULL, received_at INTEGER NOT NULL,"
    "  PRIMARY KEY (scheme, event_id));"
    "INSERT OR IGNORE INTO webhook_events_by_scheme(scheme, event_id, received_at)"
    "  SELECT CASE provider WHEN 'zoom' THEN 'zoom' ELSE 'generic' END, event_id, received_at"
    "  FROM webhook_events ORDER BY received_at;"
    "DROP TABLE webhook_events;"
    "ALTER TABLE webhook_events_by_scheme RENAME TO webhook_events;",

    /* 3: meetings at providers with an API (Zoom, Google Meet): the provider's own id for
     * the meeting, Zoom's passcode, why the last attempt to make the meeting failed, and
     * changes (reschedule, cancel) counted so that one that has not reached the provider
     * yet is known and sent again: sync_wanted counts changes, sync_done is the count the
     * provider's meeting reflects, sync_retry_at when a failed one may be tried again.
     * Every booking before this was a Jitsi booking. */
    "ALTER TABLE bookings ADD COLUMN meeting_id TEXT;"
    "ALTER TABLE bookings ADD COLUMN meeting_passcode TEXT;"
    "ALTER TABLE bookings ADD COLUMN meeting_error TEXT;"
    "ALTER TABLE bookings ADD COLUMN sync_wanted INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE bookings ADD COLUMN sync_done INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE bookings ADD COLUMN sync_retry_at INTEGER NOT NULL DEFAULT 0;"
    "UPDATE bookings SET provider = 'jitsi' WHERE provider IS NULL;",
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

static void conn_close(struct conn *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < STMT_CACHE; i++)
        sqlite3_finalize(c->cache[i].st);
    sqlite3_close(c->sql);
    free(c);
}

static struct conn *conn_open(const char *path, char *err, size_t errlen)
{
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* NOMUTEX: the pool gives a connection to one thread at a time. */
    int rc = sqlite3_open_v2(path, &c->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(c->sql, BUSY_MS);
        rc = sqlite3_exec(c->sql, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", NULL,
                          NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 c->sql ? sqlite3_errmsg(c->sql) : sqlite3_errstr(rc));
        conn_close(c);
        return NULL;
    }
    return c;
}

/* A connection for this call: an idle one, else a new one. NULL (logged) on failure. */
static struct conn *acquire(struct db *db)
{
    pthread_mutex_lock(&db->pool_lock);
    struct conn *c = db->idle;
    if (c) {
        db->idle = c->next;
        db->nidle--;
    }
    pthread_mutex_unlock(&db->pool_lock);
    if (c == NULL) {
        char err[512];
        c = conn_open(db->path, err, sizeof err);
        if (c == NULL)
            fprintf(stderr, "db: %s\n", err);
    }
    return c;
}

static void release(struct db *db, struct conn *c)
{
    pthread_mutex_lock(&db->pool_lock);
    bool keep = db->nidle < IDLE_MAX;
    if (keep) {
        c->next = db->idle;
        db->idle = c;
        db->nidle++;
    }
    pthread_mutex_unlock(&db->pool_lock);
    if (!keep)
        conn_close(c);
}

/* The statement for sql with the arguments bound: a format letter per argument, 't' text
 * (NULL binds NULL), 'i' int, 'l' int64. It is prepared on first use and kept for the life
 * of the connection, so sql must be a string literal: the cache knows it by its address.
 * Give it back with done(). Returns NULL (logged) on error. */
static sqlite3_stmt *stmt(struct conn *c, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    size_t i = 0;
    while (i < STMT_CACHE && c->cache[i].text && c->cache[i].text != sql)
        i++;
    if (i == STMT_CACHE) {
        fprintf(stderr, "db: more than %d statements to keep prepared\n", STMT_CACHE);
        return NULL;
    }
    if (c->cache[i].text) {
        st = c->cache[i].st;
    } else {
        if (sqlite3_prepare_v3(c->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)
            != SQLITE_OK) {
            fprintf(stderr, "db: %s: %s\n", sqlite3_errmsg(c->sql), sql);
            sqlite3_finalize(st);
            return NULL;
        }
        c->cache[i].text = sql;
        c->cache[i].st = st;
    }
    va_list ap;
    va_start(ap, types);
    for (int k = 0; types[k]; k++) {
        if (types[k] == 't') {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, k + 1, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, k + 1);
        } else if (types[k] == 'i') {
            sqlite3_bind_int(st, k + 1, va_arg(ap, int));
        } else {
            sqlite3_bind_int64(st, k + 1, (sqlite3_int64)va_arg(ap, long long));
        }
    }
    va_end(ap);
    return st;
}

/* Ends a statement's run (releasing what it holds) so it can be used again. */
static void done(sqlite3_stmt *st)
{
    if (st)
        sqlite3_reset(st);
}

/* Steps a statement once (NULL is an error, already logged); logs a failure, except a
 * constraint, which the callers that step themselves expect and answer. */
static int step(struct conn *c, sqlite3_stmt *st)
{
    if (st == NULL)
        return SQLITE_ERROR;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW && rc != SQLITE_CONSTRAINT)
        fprintf(stderr, "db: %s\n", sqlite3_errmsg(c->sql));
    return rc;
}

/* Runs a statement that returns no rows. */
static enum db_result run(struct conn *c, sqlite3_stmt *st)
{
    int rc = step(c, st);
    if (rc == SQLITE_CONSTRAINT)
        fprintf(stderr, "db: %s\n", sqlite3_errmsg(c->sql));
    done(st);
    return result_of(rc);
}

/* A read transaction: the statements up to read_end see one snapshot. In WAL mode it takes
 * no lock that a writer holds, so it never waits for one. */
static enum db_result read_begin(struct conn *c)
{
    return run(c, stmt(c, "BEGIN", ""));
}

static void read_end(struct conn *c)
{
    if (!sqlite3_get_autocommit(c->sql))
        run(c, stmt(c, "COMMIT", ""));
}

/* Starts a write transaction, waiting at most BUSY_MS in all: first for this process's
 * other writers, then for the database's write lock. DB_BUSY when the time runs out. */
static enum db_result write_begin(struct db *db, struct conn *c)
{
    struct timespec deadline, now;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += BUSY_MS / 1000;
    int e = pthread_mutex_timedlock(&db->write_lock, &deadline);
    if (e != 0)
        return e == ETIMEDOUT ? DB_BUSY : DB_ERROR;
    clock_gettime(CLOCK_REALTIME, &now);
    long long left = (deadline.tv_sec - now.tv_sec) * 1000LL +
                     (deadline.tv_nsec - now.tv_nsec) / 1000000;
    sqlite3_busy_timeout(c->sql, left > 1 ? (int)left : 1);
    enum db_result r = run(c, stmt(c, "BEGIN IMMEDIATE", ""));
    sqlite3_busy_timeout(c->sql, BUSY_MS);
    c->writing = r == DB_OK;
    if (!c->writing)
        pthread_mutex_unlock(&db->write_lock);
    return r;
}

/* Ends the write transaction write_begin started, if it did: COMMIT on DB_OK, else
 * ROLLBACK. Returns r, or the failure of the commit. */
static enum db_result write_end(struct db *db, struct conn *c, enum db_result r)
{
    if (!c->writing)
        return r;
    if (r == DB_OK)
        r = run(c, stmt(c, "COMMIT", ""));
    if (r != DB_OK && !sqlite3_get_autocommit(c->sql))
        run(c, stmt(c, "ROLLBACK", ""));
    c->writing = false;
    pthread_mutex_unlock(&db->write_lock);
    return r;
}

static char *column_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? strdup((const char *)s) : NULL;
}

static int schema_version(struct conn *c, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->sql, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Brings the schema to the newest version. The version is read again and every step applied
 * in one write transaction, so that processes opening a new file together (the server and
 * `user add`) take turns: the second finds the first one's tables and has nothing to do. */
static bool migrate(struct conn *c, const char *path, char *err, size_t errlen)
{
    int latest = (int)(sizeof migrations / sizeof *migrations);
    int version = -1;
    /* The journal mode is kept in the file, and cannot change inside a transaction. SQLite
     * answers a change that meets another process's lock with SQLITE_BUSY at once, without
     * its busy handler, so the wait is ours. */
    int rc = sqlite3_exec(c->sql, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    for (int waited = 0; rc == SQLITE_BUSY && waited < BUSY_MS; waited += 10) {
        sqlite3_sleep(10);
        rc = sqlite3_exec(c->sql, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK)
        rc = schema_version(c, &version);
    if (rc == SQLITE_OK && version != latest) {
        rc = sqlite3_exec(c->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = schema_version(c, &version);
    }
    if (rc == SQLITE_OK && (version < 0 || version > latest)) {
        snprintf(err, errlen, "database %s: schema version %d is not one this server knows "
                 "(newest %d)", path, version, latest);
        sqlite3_exec(c->sql, "ROLLBACK", NULL, NULL, NULL);
        return false;
    }
    for (int v = version; rc == SQLITE_OK && v < latest; v++)
        rc = sqlite3_exec(c->sql, migrations[v], NULL, NULL, NULL);
    if (rc == SQLITE_OK && version < latest) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", latest);
        rc = sqlite3_exec(c->sql, pragma, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK && !sqlite3_get_autocommit(c->sql))
        rc = sqlite3_exec(c->sql, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "database %s: cannot bring the schema to version %d: %s", path,
                 latest, sqlite3_errmsg(c->sql));
        if (!sqlite3_get_autocommit(c->sql))
            sqlite3_exec(c->sql, "ROLLBACK", NULL, NULL, NULL);
        return false;
    }
    return true;
}

struct db *db_open(const char *path, char *err, size_t errlen)
{
    struct db *db = calloc(1, sizeof *db);
    if (db == NULL || (db->path = strdup(path)) == NULL) {
        free(db);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&db->pool_lock, NULL);
    pthread_mutex_init(&db->write_lock, NULL);
    struct conn *c = conn_open(path, err, errlen);
    if (c == NULL || !migrate(c, path, err, errlen)) {
        conn_close(c);
        db_close(db);
        return NULL;
    }
    release(db, c);
    return db;
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    while (db->idle) {
        struct conn *c = db->idle;
        db->idle = c->next;
        conn_close(c);
    }
    pthread_mutex_destroy(&db->pool_lock);
    pthread_mutex_destroy(&db->write_lock);
    free(db->path);
    free(db);
}

static bool new_id(char prefix, char id[40])
{
    id[0] = prefix;
    return crypto_random_hex(id + 1, 10);
}

bool db_is_empty(struct db *db)
{
    struct conn *c = acquire(db);
    if (c == NULL)
        return false;
    sqlite3_stmt *st = stmt(c, "SELECT NOT EXISTS (SELECT 1 FROM users)", "");
    bool empty = step(c, st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    done(st);
    release(db, c);
    return empty;
}

enum db_result db_user_add(struct db *db, const char *name, const char *email, const char *role,
                           char id[40], char token[65], char *err, size_t errlen)
{
    char hash[65];
    if (!new_id('u', id) || !crypto_random_hex(token, 32))
        return DB_ERROR;
    crypto_sha256_hex(token, hash);
    snprintf(err, errlen, "the database refused the write");
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    if (r == DB_OK) {
        sqlite3_stmt *st = stmt(c, "SELECT 1 FROM users WHERE email = ? COLLATE NOCASE", "t",
                                email);
        int rc = step(c, st);
        done(st);
        r = rc == SQLITE_ROW ? DB_CONFLICT : result_of(rc);
    }
    if (r == DB_OK) {
        sqlite3_stmt *st = stmt(c, "INSERT INTO users(id, name, email, role, token_hash, "
                                "created_at) VALUES (?, ?, ?, ?, ?, ?)", "tttttl",
                                id, name, email, role, hash, (long long)time(NULL));
        int rc = step(c, st);
        done(st);
        r = rc == SQLITE_CONSTRAINT ? DB_CONFLICT : result_of(rc);
        if (r == DB_ERROR)
            snprintf(err, errlen, "%s", sqlite3_errmsg(c->sql));
    }
    r = write_end(db, c, r);
    release(db, c);
    if (r == DB_CONFLICT)
        snprintf(err, errlen, "a user with email %s already exists", email);
    else if (r == DB_BUSY)
        snprintf(err, errlen, "the database is locked by another process; try again");
    return r;
}

enum db_result db_package_add(struct db *db, const char *name, char id[40])
{
    if (!new_id('p', id))
        return DB_ERROR;
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    if (r == DB_OK)
        r = run(c, stmt(c, "INSERT INTO packages(id, name) VALUES (?, ?)", "tt", id, name));
    r = write_end(db, c, r);
    release(db, c);
    return r;
}

enum db_result db_user_by_token(struct db *db, const char *token, struct db_user *out)
{
    char hash[65];
    crypto_sha256_hex(token, hash);
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    sqlite3_stmt *st = stmt(c, "SELECT id, role FROM users WHERE token_hash = ?", "t", hash);
    int rc = step(c, st);
    if (rc == SQLITE_ROW) {
        snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(out->role, sizeof out->role, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    done(st);
    release(db, c);
    return rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
}

/* JSON text, built by appending. The meeting objects are written straight out rather than
 * built as a jansson tree and dumped: for a list of 50 sessions the tree cost most of the
 * request's time. A failed allocation marks the text failed and later appends do nothing. */
struct text {
    char *s;
    size_t len, cap;
    bool failed;
};

static void put(struct text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *grown = realloc(t->s, cap);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->s = grown;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void put_raw(struct text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0 if it is not one. */
static size_t utf8_sequence(const unsigned char *p)
{
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        unsigned char lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        unsigned char lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80
               ? 4 : 0;
    }
    return 0;
}

/* A JSON string (or null for NULL): quotes, backslashes and control characters escaped,
 * and a byte that is not valid UTF-8 (text that came in through the command line) replaced
 * by U+FFFD, so that the answer is always valid JSON. */
static void put_string(struct text *t, const char *s)
{
    if (s == NULL) {
        put_raw(t, "null");
        return;
    }
    put(t, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
            p++;
        put(t, (const char *)run, (size_t)(p - run));
        if (*p == '\0')
            break;
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(t, esc, 2);
            p++;
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put(t, esc, 6);
            p++;
        } else {
            size_t n = utf8_sequence(p);
            put(t, n ? (const char *)p : "\\ufffd", n ? n : 6);
            p += n ? n : 1;
        }
    }
    put(t, "\"", 1);
}

static void put_int(struct text *t, long long v)
{
    char buf[24];
    put(t, buf, (size_t)snprintf(buf, sizeof buf, "%lld", v));
}

/* A column of UNIX seconds as an ISO 8601 string, or null. */
static void put_time(struct text *t, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        put_raw(t, "null");
        return;
    }
    char buf[32];
    iso8601_format((time_t)sqlite3_column_int64(st, col), buf);
    put_string(t, buf);
}

static const char *column(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

/* What a booking b is shown with: its mentee u, its mentor m, its package p. */
#define BOOKING_JOINS \
    "JOIN users u ON u.id = b.user_id JOIN users m ON m.id = b.mentor_id " \
    "JOIN packages p ON p.id = b.package_id "
/* A booking with everything its meeting object shows, the viewer's own feedback included
 * (?1 is the viewer's id). */
#define BOOKING_SELECT \
    "SELECT b.id, b.session_number, b.scheduled_at, b.duration, b.notes, b.status, " \
    "b.meeting_url, b.provider, b.meeting_started_at, b.meeting_ended_at, u.name, u.email, " \
    "m.name, m.email, m.rating_sum, m.rating_count, p.name, b.user_id, b.mentor_id, " \
    "f.rating, f.comment, b.meeting_passcode, b.meeting_error, " \
    "b.meeting_id IS NOT NULL AND b.sync_wanted > b.sync_done AND b.sync_retry_at <= ?3 " \
    "FROM bookings b " BOOKING_JOINS \
    "LEFT JOIN feedback f ON f.booking_id = b.id AND f.author_id = ?1 "
enum { COL_ID, COL_NUMBER, COL_WHEN, COL_DURATION, COL_NOTES, COL_STATUS, COL_URL,
       COL_PROVIDER, COL_STARTED, COL_ENDED, COL_USER_NAME, COL_USER_EMAIL, COL_MENTOR_NAME,
       COL_MENTOR_EMAIL, COL_RATING_SUM, COL_RATING_COUNT, COL_PACKAGE, COL_USER_ID,
       COL_MENTOR_ID, COL_FEEDBACK_RATING, COL_FEEDBACK_COMMENT, COL_PASSCODE, COL_ERROR,
       COL_SYNC_DUE };
/* The participants of the same bookings (the same joins and conditions), in the same
 * booking order as the bookings query, so that one pass over both fills every booking's
 * list: one query for the whole list instead of one per booking. */
#define PARTICIPANT_SELECT \
    "SELECT pa.booking_id, pa.name, pa.joined_at, pa.left_at FROM participants pa " \
    "JOIN bookings b ON b.id = pa.booking_id " BOOKING_JOINS
#define PARTICIPANT_ORDER "coalesce(pa.joined_at, pa.left_at), pa.id"
/* The viewer's sessions in a time window (?1 viewer, ?4 from, ?5 to), soonest first. */
#define SESSIONS_WHERE \
    "WHERE (b.user_id = ?1 OR b.mentor_id = ?1) AND b.scheduled_at >= ?4 " \
    "AND b.scheduled_at < ?5 "
#define SESSIONS_ORDER "ORDER BY b.scheduled_at, b.id"

/* A participants cursor: the statement and the result of its latest step. */
struct people {
    struct conn *c;
    sqlite3_stmt *st;
    int rc;
};

/* Writes the meeting object of DESIGN.md for a row of BOOKING_SELECT, taking the rows of
 * people that belong to it. */
static void put_meeting(struct text *t, sqlite3_stmt *row, struct people *people)
{
    const char *id = column(row, COL_ID);
    put_raw(t, "{\"booking\":{\"id\":");
    put_string(t, id);
    put_raw(t, ",\"sessionNumber\":");
    put_int(t, sqlite3_column_int64(row, COL_NUMBER));
    put_raw(t, ",\"scheduledAt\":");
    put_time(t, row, COL_WHEN);
    put_raw(t, ",\"duration\":");
    put_int(t, sqlite3_column_int64(row, COL_DURATION));
    put_raw(t, ",\"notes\":");
    put_string(t, column(row, COL_NOTES));
    put_raw(t, ",\"status\":");
    put_string(t, column(row, COL_STATUS));
    put_raw(t, ",\"meetingUrl\":");
    put_string(t, column(row, COL_URL));
    put_raw(t, ",\"provider\":");
    put_string(t, column(row, COL_PROVIDER));
    /* The passcode only where the join URL does not carry it (Zoom's pwd=), the error only
     * while there is no URL: both are absent, not null, otherwise. */
    const char *url = column(row, COL_URL), *passcode = column(row, COL_PASSCODE);
    if (url && passcode && *passcode && strstr(url, "pwd=") == NULL) {
        put_raw(t, ",\"meetingPasscode\":");
        put_string(t, passcode);
    }
    if (url == NULL && column(row, COL_ERROR)) {
        put_raw(t, ",\"meetingError\":");
        put_string(t, column(row, COL_ERROR));
    }
    put_raw(t, ",\"feedback\":");
    if (sqlite3_column_type(row, COL_FEEDBACK_RATING) == SQLITE_NULL) {
        put_raw(t, "null");
    } else {
        put_raw(t, "{\"rating\":");
        put_int(t, sqlite3_column_int64(row, COL_FEEDBACK_RATING));
        put_raw(t, ",\"comment\":");
        put_string(t, column(row, COL_FEEDBACK_COMMENT));
        put_raw(t, "}");
    }
    put_raw(t, "},\"user\":{\"name\":");
    put_string(t, column(row, COL_USER_NAME));
    put_raw(t, ",\"email\":");
    put_string(t, column(row, COL_USER_EMAIL));
    put_raw(t, "},\"mentor\":{\"name\":");
    put_string(t, column(row, COL_MENTOR_NAME));
    put_raw(t, ",\"email\":");
    put_string(t, column(row, COL_MENTOR_EMAIL));
    put_raw(t, ",\"rating\":");
    long long count = sqlite3_column_int64(row, COL_RATING_COUNT);
    if (count == 0) {
        put_raw(t, "null");
    } else {
        /* Two decimals, always with a point so that it reads as a real number. */
        char buf[32];
        long long hundredths = sqlite3_column_int64(row, COL_RATING_SUM) * 100 / count;
        put(t, buf, (size_t)snprintf(buf, sizeof buf, "%lld.%02lld", hundredths / 100,
                                     hundredths % 100));
    }
    put_raw(t, ",\"ratingCount\":");
    put_int(t, count);
    put_raw(t, "},\"package\":{\"name\":");
    put_string(t, column(row, COL_PACKAGE));
    put_raw(t, "},\"participants\":[");
    for (bool first = true; people->rc == SQLITE_ROW && strcmp(column(people->st, 0), id) == 0;
         first = false) {
        put_raw(t, first ? "{\"name\":" : ",{\"name\":");
        put_string(t, column(people->st, 1));
        put_raw(t, ",\"joinedAt\":");
        put_time(t, people->st, 2);
        put_raw(t, ",\"leftAt\":");
        put_time(t, people->st, 3);
        put_raw(t, "}");
        people->rc = step(people->c, people->st);
    }
    put_raw(t, "],\"meetingStartedAt\":");
    put_time(t, row, COL_STARTED);
    put_raw(t, ",\"meetingEndedAt\":");
    put_time(t, row, COL_ENDED);
    put_raw(t, "}");
}

/* The outcome of a read that stepped st (and people) to their end: DB_OK, else why not. */
static enum db_result read_result(int rc, const struct people *people, const struct text *t)
{
    if (rc != SQLITE_DONE || people->rc != SQLITE_DONE)
        return result_of(rc != SQLITE_DONE ? rc : people->rc) == DB_BUSY ? DB_BUSY : DB_ERROR;
    return t->failed ? DB_ERROR : DB_OK;
}

/* Reads one booking's meeting object as viewer sees it, in one snapshot, into *body, and
 * what the provider still owes it into *due (when not NULL). */
static enum db_result meeting_read(struct conn *c, const char *booking_id,
                                   const struct db_user *viewer, char **body,
                                   struct db_due *due)
{
    enum db_result r = read_begin(c);
    if (r != DB_OK)
        return r;
    struct text t = {0};
    sqlite3_stmt *st = stmt(c, BOOKING_SELECT "WHERE b.id = ?2", "ttl", viewer->id, booking_id,
                            (long long)time(NULL));
    int rc = step(c, st);
    r = rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
    if (r == DB_OK && strcmp(column(st, COL_USER_ID), viewer->id) != 0 &&
        strcmp(column(st, COL_MENTOR_ID), viewer->id) != 0)
        r = DB_FORBIDDEN;
    if (r == DB_OK) {
        struct people people = {.c = c};
        people.st = stmt(c, PARTICIPANT_SELECT "WHERE b.id = ? ORDER BY " PARTICIPANT_ORDER,
                         "t", booking_id);
        people.rc = step(c, people.st);
        if (due) {
            due->meeting = sqlite3_column_type(st, COL_URL) == SQLITE_NULL &&
                           strcmp(column(st, COL_STATUS), "SCHEDULED") == 0;
            due->change = sqlite3_column_int(st, COL_SYNC_DUE) != 0;
        }
        put_meeting(&t, st, &people);
        r = read_result(step(c, st), &people, &t);
        done(people.st);
    }
    done(st);
    read_end(c);
    if (r == DB_OK)
        *body = t.s;
    else
        free(t.s);
    return r;
}

enum db_result db_meeting(struct db *db, const char *booking_id, const struct db_user *viewer,
                          char **body, struct db_due *due)
{
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = meeting_read(c, booking_id, viewer, body, due);
    release(db, c);
    return r;
}

enum db_result db_provider_row(struct db *db, const char *booking_id, struct db_provider_row *out)
{
    memset(out, 0, sizeof *out);
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    sqlite3_stmt *st = stmt(c, "SELECT b.id, p.name, b.session_number, b.scheduled_at, "
                            "b.duration, m.email, u.email, b.status, b.provider, b.meeting_id, "
                            "b.meeting_url, b.sync_wanted, b.sync_done, "
                            "b.meeting_error IS NOT NULL FROM bookings b "
                            BOOKING_JOINS "WHERE b.id = ?", "t", booking_id);
    int rc = step(c, st);
    enum db_result r = rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOT_FOUND
                                                                    : result_of(rc);
    if (r == DB_OK) {
        out->id = column_dup(st, 0);
        out->package = column_dup(st, 1);
        out->booking.session_number = sqlite3_column_int(st, 2);
        out->booking.start = (time_t)sqlite3_column_int64(st, 3);
        out->booking.duration = sqlite3_column_int(st, 4);
        out->mentor_email = column_dup(st, 5);
        out->mentee_email = column_dup(st, 6);
        snprintf(out->status, sizeof out->status, "%s", column(st, 7));
        snprintf(out->provider, sizeof out->provider, "%s", column(st, 8) ? column(st, 8) : "");
        out->meeting_id = column_dup(st, 9);
        out->url = column_dup(st, 10);
        out->sync_wanted = sqlite3_column_int64(st, 11);
        out->sync_done = sqlite3_column_int64(st, 12);
        out->booking.tried = sqlite3_column_int(st, 13) != 0;
        out->booking.id = out->id;
        out->booking.package = out->package;
        out->booking.mentor_email = out->mentor_email;
        out->booking.mentee_email = out->mentee_email;
        if (!out->id || !out->package || !out->mentor_email || !out->mentee_email)
            r = DB_ERROR;
    }
    done(st);
    release(db, c);
    if (r != DB_OK)
        db_provider_row_free(out);
    return r;
}

void db_provider_row_free(struct db_provider_row *row)
{
    free(row->id);
    free(row->package);
    free(row->mentor_email);
    free(row->mentee_email);
    free(row->meeting_id);
    free(row->url);
    memset(row, 0, sizeof *row);
}

enum db_result db_meeting_store(struct db *db, const char *booking_id, const char *provider,
                                const struct provider_meeting *m, long long generation,
                                const char *error, bool behind, unsigned retry_seconds)
{
    long long now = (long long)time(NULL);
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    /* A URL is stored once: the first one a booking gets is the one both participants
     * use. The meeting id comes with the URL, or alone (a meeting made, its URL not ready);
     * the error is the last attempt's, cleared by a success. */
    if (r == DB_OK)
        r = run(c, stmt(c, "UPDATE bookings SET "
                        "meeting_id = CASE WHEN ?1 IS NOT NULL OR ?2 IS NOT NULL THEN ?1 "
                        "  ELSE meeting_id END, "
                        "meeting_passcode = CASE WHEN ?2 IS NOT NULL THEN ?3 "
                        "  ELSE meeting_passcode END, "
                        "meeting_url = ?2, provider = ?4, meeting_error = ?5, "
                        "sync_done = max(sync_done, ?6), updated_at = ?7, "
                        "sync_wanted = sync_wanted + ?9, "
                        "sync_retry_at = CASE WHEN ?9 THEN ?10 ELSE sync_retry_at END "
                        "WHERE id = ?8 AND meeting_url IS NULL", "tttttlltil", m->id, m->url,
                        m->passcode, provider, error, generation, now, booking_id,
                        behind ? 1 : 0, now + retry_seconds));
    r = write_end(db, c, r);
    release(db, c);
    return r;
}

enum db_result db_meeting_forget(struct db *db, const char *booking_id, const char *meeting_id,
                                 long long generation)
{
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    if (r == DB_OK)
        r = run(c, stmt(c, "UPDATE bookings SET meeting_id = NULL, meeting_url = NULL, "
                        "meeting_passcode = NULL, meeting_error = NULL, "
                        "sync_done = max(sync_done, ?1), sync_retry_at = 0, updated_at = ?2 "
                        "WHERE id = ?3 AND meeting_id = ?4", "lltt", generation,
                        (long long)time(NULL), booking_id, meeting_id));
    r = write_end(db, c, r);
    release(db, c);
    return r;
}

enum db_result db_sync_result(struct db *db, const char *booking_id, long long generation,
                              bool ok, unsigned retry_seconds)
{
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    if (r == DB_OK)
        r = ok ? run(c, stmt(c, "UPDATE bookings SET sync_done = max(sync_done, ?), "
                             "sync_retry_at = 0 WHERE id = ?", "lt", generation, booking_id))
               : run(c, stmt(c, "UPDATE bookings SET sync_retry_at = ? WHERE id = ?", "lt",
                             (long long)time(NULL) + retry_seconds, booking_id));
    r = write_end(db, c, r);
    release(db, c);
    return r;
}

enum db_result db_sessions(struct db *db, const struct db_user *viewer, time_t from, time_t to,
                           char **body)
{
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    struct text t = {0};
    enum db_result r = read_begin(c);
    if (r == DB_OK) {
        struct people people = {.c = c};
        long long now = (long long)time(NULL);
        people.st = stmt(c, PARTICIPANT_SELECT SESSIONS_WHERE SESSIONS_ORDER ", "
                         PARTICIPANT_ORDER, "ttlll", viewer->id, NULL, now, (long long)from,
                         (long long)to);
        sqlite3_stmt *st = stmt(c, BOOKING_SELECT SESSIONS_WHERE SESSIONS_ORDER, "ttlll",
                                viewer->id, NULL, now, (long long)from, (long long)to);
        people.rc = step(c, people.st);
        put_raw(&t, "{\"sessions\":[");
        int rc;
        for (bool first = true; (rc = step(c, st)) == SQLITE_ROW; first = false) {
            if (!first)
                put(&t, ",", 1);
            put_meeting(&t, st, &people);
        }
        put_raw(&t, "]}");
        r = read_result(rc, &people, &t);
        done(st);
        done(people.st);
        read_end(c);
    }
    release(db, c);
    if (r == DB_OK)
        *body = t.s;
    else
        free(t.s);
    return r;
}

/* Checks that booking_id exists and viewer takes part in it; copies its status when asked. */
static enum db_result access_check(struct conn *c, const char *booking_id,
                                   const struct db_user *viewer, char status[16])
{
    sqlite3_stmt *st = stmt(c, "SELECT user_id, mentor_id, status FROM bookings WHERE id = ?",
                            "t", booking_id);
    int rc = step(c, st);
    enum db_result r = rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
    if (rc == SQLITE_ROW) {
        const char *user = (const char *)sqlite3_column_text(st, 0);
        const char *mentor = (const char *)sqlite3_column_text(st, 1);
        r = strcmp(user, viewer->id) == 0 || strcmp(mentor, viewer->id) == 0 ? DB_OK
                                                                              : DB_FORBIDDEN;
        if (status)
            snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 2));
    }
    done(st);
    return r;
}

enum db_result db_complete(struct db *db, const char *booking_id, const struct db_user *viewer,
                           json_t **out, char *err, size_t errlen)
{
    char status[16];
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    if (r == DB_OK)
        r = access_check(c, booking_id, viewer, status);
    if (r == DB_OK && strcmp(status, "CANCELLED") == 0) {
        snprintf(err, errlen, "the session was cancelled; it cannot be completed");
        r = DB_CONFLICT;
    }
    if (r == DB_OK && strcmp(status, "COMPLETED") != 0)
        r = run(c, stmt(c, "UPDATE bookings SET status = 'COMPLETED', updated_at = ? "
                        "WHERE id = ?", "lt", (long long)time(NULL), booking_id));
    r = write_end(db, c, r);
    release(db, c);
    if (r == DB_OK)
        *out = json_pack("{s:b, s:{s:s, s:s}}", "success", 1, "booking", "id", booking_id,
                         "status", "COMPLETED");
    return r;
}

/* Checks that a booking may still change and records the change: the new start and
 * duration (when given) or the cancellation, and one more change for the provider. Inside
 * a write transaction. */
static enum db_result change_booking(struct conn *c, const char *booking_id,
                                     const struct db_user *viewer, const time_t *start,
                                     const int *duration, bool cancel, char *err, size_t errlen)
{
    char status[16];
    enum db_result r = access_check(c, booking_id, viewer, status);
    if (r != DB_OK)
        return r;
    if (cancel && strcmp(status, "CANCELLED") == 0)
        return DB_OK; /* cancelling twice is not an error, and changes nothing */
    if (strcmp(status, "SCHEDULED") != 0) {
        snprintf(err, errlen, "the session is %s; it can no longer be %s", status,
                 cancel ? "cancelled" : "rescheduled");
        return DB_CONFLICT;
    }
    long long now = (long long)time(NULL);
    if (cancel)
        return run(c, stmt(c, "UPDATE bookings SET status = 'CANCELLED', "
                           "sync_wanted = sync_wanted + 1, sync_retry_at = 0, updated_at = ? "
                           "WHERE id = ?", "lt", now, booking_id));
    return run(c, stmt(c, "UPDATE bookings SET "
                       "scheduled_at = CASE WHEN ?1 THEN ?2 ELSE scheduled_at END, "
                       "duration = CASE WHEN ?3 THEN ?4 ELSE duration END, "
                       "sync_wanted = sync_wanted + 1, sync_retry_at = 0, updated_at = ?5 "
                       "WHERE id = ?6", "ilillt", start != NULL,
                       (long long)(start ? *start : 0), duration != NULL,
                       duration ? *duration : 0, now, booking_id));
}

enum db_result db_booking_change(struct db *db, const char *booking_id,
                                 const struct db_user *viewer, const time_t *start,
                                 const int *duration, bool cancel, char *err, size_t errlen)
{
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    if (r == DB_OK)
        r = change_booking(c, booking_id, viewer, start, duration, cancel, err, errlen);
    r = write_end(db, c, r);
    release(db, c);
    return r;
}

/* What a feedback request asks for, as a hash: the same rating and comment give the same
 * fingerprint however the JSON was spelled. */
static bool feedback_fingerprint(const struct db_feedback *fb, char out[65])
{
    char *text = NULL;
    if (asprintf(&text, "%d\n%s", fb->rating, fb->comment) < 0)
        return false;
    crypto_sha256_hex(text, out);
    free(text);
    return true;
}

/* Looks up (author, key): DB_NOT_FOUND if unused, DB_DUPLICATE with the stored answer in
 * *status and *body if it was used for this very request, DB_INVALID (another booking) or
 * DB_MISMATCH (another rating or comment) with err saying so. Inside a write transaction. */
static enum db_result idempotent_replay(struct conn *c, const char *author,
                                        const struct db_feedback *fb, const char *booking_id,
                                        const char *fingerprint, int *status, char **body,
                                        char *err, size_t errlen)
{
    sqlite3_stmt *st = stmt(c, "SELECT booking_id, status, body, request_hash FROM idempotency "
                            "WHERE author_id = ? AND key = ?", "tt", author,
                            fb->idempotency_key);
    int rc = step(c, st);
    enum db_result r = rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
    if (rc == SQLITE_ROW) {
        const char *stored = (const char *)sqlite3_column_text(st, 3);
        if (strcmp((const char *)sqlite3_column_text(st, 0), booking_id) != 0) {
            snprintf(err, errlen, "this Idempotency-Key was already used for another session");
            r = DB_INVALID;
        } else if (stored && strcmp(stored, fingerprint) != 0) {
            /* Keys stored before fingerprints existed (stored == NULL) replay as before. */
            snprintf(err, errlen, "this Idempotency-Key was already used with a different "
                     "rating or comment; send a new key for a new submission");
            r = DB_MISMATCH;
        } else {
            *status = sqlite3_column_int(st, 1);
            *body = column_dup(st, 2);
            r = *body ? DB_DUPLICATE : DB_ERROR;
        }
    }
    done(st);
    return r;
}

enum db_result db_feedback(struct db *db, const char *booking_id, const struct db_user *viewer,
                           const struct db_feedback *fb, int *status, char **body,
                           char *err, size_t errlen)
{
    char state[16], fingerprint[65];
    long long now = (long long)time(NULL);
    *body = NULL;
    struct conn *c = feedback_fingerprint(fb, fingerprint) ? acquire(db) : NULL;
    if (c == NULL)
        return DB_ERROR;
    /* One write transaction from the key's lookup to its record: a second request with the
     * same key waits for the first to finish, then replays its answer. */
    enum db_result r = write_begin(db, c);
    if (r == DB_OK)
        r = access_check(c, booking_id, viewer, state);
    if (r == DB_OK && fb->idempotency_key) {
        r = idempotent_replay(c, viewer->id, fb, booking_id, fingerprint, status, body, err,
                              errlen);
        if (r == DB_DUPLICATE) {
            write_end(db, c, DB_DUPLICATE);
            release(db, c);
            return DB_OK;
        }
        if (r == DB_NOT_FOUND)
            r = DB_OK;
    }
    if (r == DB_OK && strcmp(state, "COMPLETED") != 0) {
        snprintf(err, errlen, "the session is %s; feedback is accepted once it is COMPLETED",
                 state);
        r = DB_CONFLICT;
    }
    if (r == DB_OK) {
        sqlite3_stmt *st = stmt(c, "INSERT INTO feedback(booking_id, author_id, rating, "
                                "comment, created_at) VALUES (?, ?, ?, ?, ?)", "ttitl",
                                booking_id, viewer->id, fb->rating, fb->comment, now);
        int rc = step(c, st);
        done(st);
        if (rc == SQLITE_CONSTRAINT) {
            snprintf(err, errlen, "feedback for this session was already given");
            r = DB_CONFLICT;
        } else {
            r = result_of(rc);
        }
    }
    /* The mentee's rating feeds the mentor's average; the mentor's own is only stored. */
    if (r == DB_OK && strcmp(viewer->role, "user") == 0)
        r = run(c, stmt(c, "UPDATE users SET rating_sum = rating_sum + ?, "
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
        r = run(c, stmt(c, "INSERT INTO idempotency(author_id, key, booking_id, status, body, "
                        "request_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", "tttittl",
                        viewer->id, fb->idempotency_key, booking_id, *status, *body,
                        fingerprint, now));
    r = write_end(db, c, r);
    release(db, c);
    if (r != DB_OK) {
        free(*body);
        *body = NULL;
    }
    return r;
}

/* Inserts a new booking, with no meeting yet; inside a write transaction. */
static enum db_result insert_booking(struct conn *c, const char *provider, const char *id,
                                     const char *user_id, const struct db_booking_request *req)
{
    long long now = (long long)time(NULL);
    return run(c, stmt(c, "INSERT INTO bookings(id, user_id, mentor_id, package_id, "
                       "session_number, scheduled_at, duration, provider, notes, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       "ttttilittll", id, user_id, req->mentor_id, req->package_id,
                       req->session_number, (long long)req->scheduled_at, req->duration,
                       provider, req->notes, now, now));
}

enum db_result db_booking_create(struct db *db, const char *provider,
                                 const struct db_user *viewer,
                                 const struct db_booking_request *req, char id[40],
                                 char *err, size_t errlen)
{
    if (strcmp(viewer->role, "user") != 0) {
        snprintf(err, errlen, "only a mentee can book a session");
        return DB_FORBIDDEN;
    }
    if (!new_id('b', id))
        return DB_ERROR;
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    if (r == DB_OK) {
        sqlite3_stmt *st = stmt(c, "SELECT EXISTS (SELECT 1 FROM users WHERE id = ? AND "
                                "role = 'mentor'), EXISTS (SELECT 1 FROM packages WHERE "
                                "id = ?)", "tt", req->mentor_id, req->package_id);
        if (step(c, st) == SQLITE_ROW) {
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
        done(st);
    }
    if (r == DB_OK)
        r = insert_booking(c, provider, id, viewer->id, req);
    r = write_end(db, c, r);
    release(db, c);
    return r;
}

enum db_result db_booking_insert(struct db *db, const char *provider, const char *user_id,
                                 const struct db_booking_request *req, char id[40])
{
    if (!new_id('b', id))
        return DB_ERROR;
    struct conn *c = acquire(db);
    enum db_result r = c ? write_begin(db, c) : DB_ERROR;
    if (r == DB_OK)
        r = write_end(db, c, insert_booking(c, provider, id, user_id, req));
    if (c)
        release(db, c);
    return r;
}

/* Applies one event's effect to the booking; inside a write transaction. */
static enum db_result apply_event(struct conn *c, const struct db_event *ev)
{
    long long at = (long long)ev->occurred_at, now = (long long)time(NULL);
    const char *e = ev->event;
    if (strcmp(e, "meeting.started") == 0)
        return run(c, stmt(c, "UPDATE bookings SET meeting_started_at = "
                           "coalesce(meeting_started_at, ?), updated_at = ? WHERE id = ?",
                           "llt", at, now, ev->booking_id));
    if (strcmp(e, "meeting.ended") == 0)
        return run(c, stmt(c, "UPDATE bookings SET meeting_ended_at = ?, status = CASE "
                           "WHEN status = 'CANCELLED' THEN status ELSE 'COMPLETED' END, "
                           "updated_at = ? WHERE id = ?", "llt", at, now, ev->booking_id));
    const char *name = ev->participant_name ? ev->participant_name : ev->participant_email;
    if (strcmp(e, "participant.joined") == 0)
        return run(c, stmt(c, "INSERT INTO participants(booking_id, name, email, joined_at) "
                           "VALUES (?, ?, ?, ?)", "tttl", ev->booking_id, name,
                           ev->participant_email, at));
    /* participant.left: close the latest open stay of the same person, or record the leave. */
    enum db_result r = run(c, stmt(c, "UPDATE participants SET left_at = ? WHERE id = (SELECT "
                                   "id FROM participants WHERE booking_id = ? AND left_at IS "
                                   "NULL AND (name = ? OR email = ?) ORDER BY id DESC LIMIT 1)",
                                   "lttt", at, ev->booking_id, name, ev->participant_email));
    if (r == DB_OK && sqlite3_changes(c->sql) == 0)
        r = run(c, stmt(c, "INSERT INTO participants(booking_id, name, email, left_at) "
                        "VALUES (?, ?, ?, ?)", "tttl", ev->booking_id, name,
                        ev->participant_email, at));
    return r;
}

enum db_result db_webhook_event(struct db *db, const struct db_event *ev)
{
    struct conn *c = acquire(db);
    if (c == NULL)
        return DB_ERROR;
    enum db_result r = write_begin(db, c);
    if (r == DB_OK) {
        sqlite3_stmt *st = stmt(c, "INSERT INTO webhook_events(scheme, event_id, received_at) "
                                "VALUES (?, ?, ?)", "ttl", ev->scheme, ev->id,
                                (long long)time(NULL));
        int rc = step(c, st);
        done(st);
        r = rc == SQLITE_CONSTRAINT ? DB_DUPLICATE : result_of(rc);
    }
    if (r == DB_OK) {
        sqlite3_stmt *st = stmt(c, "SELECT 1 FROM bookings WHERE id = ?", "t", ev->booking_id);
        int rc = step(c, st);
        done(st);
        r = rc == SQLITE_ROW ? DB_OK : rc == SQLITE_DONE ? DB_NOT_FOUND : result_of(rc);
    }
    if (r == DB_OK)
        r = apply_event(c, ev);
    r = write_end(db, c, r);
    release(db, c);
    return r;
}
