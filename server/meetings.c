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

/* Asks the provider for the meeting row lacks (its details, if a meeting was made whose
 * URL was not ready) and stores the outcome, failure included. */
static void make_meeting(struct meetings *m, struct db_provider_row *row, double deadline)
{
    const struct provider *p = m->prov;
    struct provider_meeting pm = {0};
    char err[256] = "";
    bool ours = row->meeting_id && strcmp(row->provider, p->name) == 0;
    bool ok;
    /* A meeting made now is made as the booking stands; one only read again keeps
     * whatever changes are still to be sent to it. */
    long long generation = ours && p->details ? row->sync_done : row->sync_wanted;
    if (ours && p->details) {
        ok = p->details(row->meeting_id, deadline, &pm, err, sizeof err);
        if (ok && pm.id == NULL && (pm.id = strdup(row->meeting_id)) == NULL) {
            snprintf(err, sizeof err, "%s: out of memory", p->name);
            ok = false;
        }
    } else {
        ok = p->create(&row->booking, deadline, &pm, err, sizeof err);
    }
    if (!ok)
        fprintf(stderr, "meetings: booking %s: %s; the meeting route will try again\n",
                row->id, err);
    if (db_meeting_store(m->db, row->id, p->name, &pm, generation, ok ? NULL : err)
        != DB_OK && ok)
        fprintf(stderr, "meetings: booking %s: %s made meeting %s but it could not be "
                "stored\n", row->id, p->name, pm.id ? pm.id : pm.url);
    provider_meeting_clear(&pm);
}

/* Sends the booking's state (its time, or its cancellation) to its meeting, if the
 * provider has one and keeps it up to date. */
static void push_change(struct meetings *m, const struct db_provider_row *row,
                        double deadline)
{
    const struct provider *p = m->prov;
    bool cancel = strcmp(row->status, "CANCELLED") == 0;
    char err[256] = "";
    bool ok = true;
    if (row->meeting_id && strcmp(row->provider, p->name) != 0) {
        fprintf(stderr, "meetings: booking %s: its meeting is at %s, which this server is not "
                "set up for; the %s does not reach it\n", row->id, row->provider,
                cancel ? "cancellation" : "new time");
    } else if (row->meeting_id && cancel && p->remove) {
        ok = p->remove(row->meeting_id, deadline, err, sizeof err);
    } else if (row->meeting_id && !cancel && p->update) {
        ok = p->update(row->meeting_id, &row->booking, deadline, err, sizeof err);
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
