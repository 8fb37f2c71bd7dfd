#include "server/meetings.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How soon a reschedule or cancellation the provider refused may be sent again from a GET
 * of the meeting route, which should not pay for a provider that is down on every call. */
#define RETRY_SECONDS 60

/* The most time one request spends on the provider, its wait for another request on the
 * same booking included: under dheya-meet's total timeout of 15 s, with time left for the
 * database and the answer. */
#define REQUEST_SECONDS 13.0

/* A booking some request is asking the provider about; lives on that request's stack. */
struct busy {
    const char *id;
    struct busy *next;
};

struct meetings {
    struct db *db;
    const struct provider *prov;
    pthread_mutex_t lock; /* guards busy */
    pthread_cond_t done;  /* a booking left busy */
    struct busy *busy;
};

enum entry { ENTERED, ENTERED_AFTER_WAIT, TIMED_OUT };

struct meetings *meetings_new(struct db *db, const struct provider *prov)
{
    struct meetings *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->db = db;
    m->prov = prov;
    pthread_mutex_init(&m->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->done, &ca);
    pthread_condattr_destroy(&ca);
    return m;
}

void meetings_free(struct meetings *m)
{
    if (m == NULL)
        return;
    pthread_cond_destroy(&m->done);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static bool is_busy(const struct meetings *m, const char *id)
{
    for (const struct busy *b = m->busy; b; b = b->next)
        if (strcmp(b->id, id) == 0)
            return true;
    return false;
}

/* Marks booking id busy with slot, first waiting (until the provider_now() time `until`)
 * for a request already busy with it. */
static enum entry guard_enter(struct meetings *m, const char *id, struct busy *slot,
                              double until)
{
    struct timespec ts = {.tv_sec = (time_t)until,
                          .tv_nsec = (long)((until - (double)(time_t)until) * 1e9)};
    enum entry how = ENTERED;
    pthread_mutex_lock(&m->lock);
    while (is_busy(m, id)) {
        how = ENTERED_AFTER_WAIT;
        if (pthread_cond_timedwait(&m->done, &m->lock, &ts) == ETIMEDOUT && is_busy(m, id)) {
            pthread_mutex_unlock(&m->lock);
            return TIMED_OUT;
        }
    }
    slot->id = id;
    slot->next = m->busy;
    m->busy = slot;
    pthread_mutex_unlock(&m->lock);
    return how;
}

static void guard_leave(struct meetings *m, struct busy *slot)
{
    pthread_mutex_lock(&m->lock);
    for (struct busy **p = &m->busy; *p; p = &(*p)->next) {
        if (*p == slot) {
            *p = slot->next;
            break;
        }
    }
    pthread_cond_broadcast(&m->done);
    pthread_mutex_unlock(&m->lock);
}

/* The bound of one request's provider work, its wait included: time to wait for one other
 * request's call and to make its own, within REQUEST_SECONDS. */
static double request_seconds(void)
{
    double twice = 2.0 * provider_timeout();
    return twice < REQUEST_SECONDS ? twice : REQUEST_SECONDS;
}

/* Forgets row's meeting, which its provider says is gone (deleted there by hand), so that a
 * new one is made in its place: the booking is still on and its participants need a
 * meeting, while asking about or moving the gone one would fail the same way on every try.
 * Updates row to match. False (logged) when the database could not record it. */
static bool forget_meeting(struct meetings *m, struct db_provider_row *row, const char *why)
{
    fprintf(stderr, "meetings: booking %s: %s; a new meeting is made in its place\n", row->id,
            why);
    if (db_meeting_forget(m->db, row->id, row->meeting_id, row->sync_wanted) != DB_OK) {
        fprintf(stderr, "meetings: booking %s: the gone meeting could not be forgotten\n",
                row->id);
        return false;
    }
    free(row->meeting_id);
    free(row->url);
    row->meeting_id = row->url = NULL;
    row->booking.tried = false;
    if (row->sync_done < row->sync_wanted)
        row->sync_done = row->sync_wanted;
    return true;
}

/* Asks the provider for the meeting row lacks (its details, if a meeting was made whose
 * URL was not ready; else a new one) and stores the outcome, failure included. */
static void make_meeting(struct meetings *m, struct db_provider_row *row, double deadline)
{
    const struct provider *p = m->prov;
    struct provider_meeting pm = {0};
    char err[256] = "";
    bool ok = false, create = true, behind = false;
    /* A meeting made now is made as the booking stands; one only read again keeps
     * whatever changes are still to be sent to it. */
    long long generation = row->sync_wanted;
    if (row->meeting_id && strcmp(row->provider, p->name) == 0 && p->details) {
        enum provider_status st = p->details(row->meeting_id, deadline, &pm, err, sizeof err);
        create = st == PROVIDER_GONE && forget_meeting(m, row, err);
        if (!create) {
            ok = st == PROVIDER_OK;
            generation = row->sync_done;
            if (ok && pm.id == NULL && (pm.id = strdup(row->meeting_id)) == NULL) {
                snprintf(err, sizeof err, "%s: out of memory", p->name);
                ok = false;
            }
        }
    }
    if (create) {
        provider_meeting_clear(&pm);
        ok = p->create(&row->booking, deadline, &pm, err, sizeof err);
        /* The meeting an earlier attempt made has the booking as it stood then; if it cannot
         * be moved now, the booking's state stays owed to it rather than counted as sent. */
        char why[256];
        if (pm.found && pm.id && p->update &&
            p->update(pm.id, &row->booking, deadline, why, sizeof why) != PROVIDER_OK) {
            fprintf(stderr, "meetings: booking %s: found the meeting an earlier attempt made "
                    "but could not give it the booking's time: %s; it will be sent again\n",
                    row->id, why);
            behind = true;
            generation = row->sync_done;
        }
    }
    if (!ok)
        fprintf(stderr, "meetings: booking %s: %s; the meeting route will try again\n",
                row->id, err);
    if (db_meeting_store(m->db, row->id, p->name, &pm, generation, ok ? NULL : err, behind,
                         RETRY_SECONDS) != DB_OK && (ok || pm.id))
        fprintf(stderr, "meetings: booking %s: %s made meeting %s but it could not be "
                "stored\n", row->id, p->name, pm.id ? pm.id : pm.url);
    provider_meeting_clear(&pm);
}

/* Sends the booking's state (its time, or its cancellation) to its meeting, if the
 * provider has one and keeps it up to date. A meeting gone at the provider is replaced by a
 * new one while the booking is SCHEDULED. */
static void push_change(struct meetings *m, struct db_provider_row *row, double deadline)
{
    const struct provider *p = m->prov;
    bool cancel = strcmp(row->status, "CANCELLED") == 0;
    char err[256] = "";
    bool ok = true;
    if (strcmp(row->status, "COMPLETED") == 0) {
        /* The session is over: its meeting needs no new time. A change still owed from
         * before would otherwise be tried every minute for ever, refused or not. */
    } else if (row->meeting_id && strcmp(row->provider, p->name) != 0) {
        /* The provider was changed at a restart (MEETING_PROVIDER): this server has no
         * credentials for the other one. The change is counted as done, since no retry
         * could reach it; the log says what is left to do by hand. */
        fprintf(stderr, "meetings: booking %s: its meeting %s was made at %s, but this server "
                "runs with MEETING_PROVIDER=%s and cannot reach %s: the %s was not sent; "
                "%s the meeting at %s by hand\n", row->id, row->meeting_id, row->provider,
                p->name, row->provider, cancel ? "cancellation" : "new time",
                cancel ? "delete" : "move", row->provider);
    } else if (row->meeting_id && cancel && p->remove) {
        ok = p->remove(row->meeting_id, deadline, err, sizeof err);
    } else if (row->meeting_id && !cancel && p->update) {
        enum provider_status st = p->update(row->meeting_id, &row->booking, deadline, err,
                                            sizeof err);
        if (st == PROVIDER_GONE && forget_meeting(m, row, err)) {
            make_meeting(m, row, deadline);
            return;
        }
        ok = st == PROVIDER_OK;
    }
    /* Without a meeting at the provider there is nothing to change: the one made later is
     * made from the booking as it is then. */
    if (!ok)
        fprintf(stderr, "meetings: booking %s: %s; the %s will be sent again\n", row->id, err,
                cancel ? "cancellation" : "new time");
    db_sync_result(m->db, row->id, row->sync_wanted, ok, RETRY_SECONDS);
}

/* Brings the booking's meeting up to date with the provider, one request at a time. A read
 * that waited for another request's attempt takes its outcome rather than trying again; a
 * change always sends itself, after whatever was under way. */
static void settle(struct meetings *m, const char *id, bool change)
{
    double bound = provider_now() + request_seconds();
    struct busy slot;
    enum entry how = guard_enter(m, id, &slot, bound);
    if (how == TIMED_OUT) {
        fprintf(stderr, "meetings: booking %s: other requests for it kept the provider busy "
                "past this request's time limit; nothing was asked of it\n", id);
        return;
    }
    if (how == ENTERED_AFTER_WAIT && !change) {
        guard_leave(m, &slot);
        return;
    }
    /* This request's own call may take provider_timeout() from now, not from its arrival:
     * a change queued behind a slow call is not left with what that call did not use. */
    double deadline = provider_now() + provider_timeout();
    if (deadline > bound)
        deadline = bound;
    struct db_provider_row row;
    if (db_provider_row(m->db, id, &row) == DB_OK) {
        if (!change && row.url == NULL && strcmp(row.status, "SCHEDULED") == 0)
            make_meeting(m, &row, deadline);
        else if (row.sync_wanted > row.sync_done)
            push_change(m, &row, deadline);
    }
    db_provider_row_free(&row);
    guard_leave(m, &slot);
}

enum db_result meetings_get(struct meetings *m, const char *booking_id,
                            const struct db_user *viewer, char **body)
{
    struct db_due due = {0};
    enum db_result r = db_meeting(m->db, booking_id, viewer, body, &due);
    if (r != DB_OK || (!due.meeting && !due.change))
        return r;
    free(*body);
    *body = NULL;
    settle(m, booking_id, false);
    return db_meeting(m->db, booking_id, viewer, body, NULL);
}

enum db_result meetings_book(struct meetings *m, const struct db_user *viewer,
                             const struct db_booking_request *req, char **body,
                             char *err, size_t errlen)
{
    char id[40];
    enum db_result r = db_booking_create(m->db, m->prov->name, viewer, req, id, err, errlen);
    if (r != DB_OK)
        return r;
    settle(m, id, false);
    return db_meeting(m->db, id, viewer, body, NULL);
}

enum db_result meetings_change(struct meetings *m, const char *booking_id,
                               const struct db_user *viewer, const time_t *start,
                               const int *duration, bool cancel, char **body,
                               char *err, size_t errlen)
{
    enum db_result r = db_booking_change(m->db, booking_id, viewer, start, duration, cancel,
                                         err, errlen);
    if (r != DB_OK)
        return r;
    settle(m, booking_id, true);
    return db_meeting(m->db, booking_id, viewer, body, NULL);
}

void meetings_prepare(struct meetings *m, const char *booking_id)
{
    settle(m, booking_id, false);
}
