#include "server/routes.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "server/app.h"
#include "server/body.h"
#include "server/iso8601.h"
#include "server/webhook.h"

#define MAX_COMMENT 2000
#define MAX_NOTES 5000

/* Answers for the database outcomes that mean the same on every route. */
static void db_failure(struct http_response *rs, enum db_result r, const char *detail)
{
    switch (r) {
    case DB_NOT_FOUND:
        http_error(rs, 404, "no such session");
        break;
    case DB_FORBIDDEN:
        http_error(rs, 403, "%s", detail && *detail ? detail : "you are not a participant of "
                   "this session");
        break;
    case DB_CONFLICT:
        http_error(rs, 409, "%s", detail && *detail ? detail : "the session's state does not "
                   "allow this");
        break;
    case DB_INVALID:
        http_error(rs, 400, "%s", detail);
        break;
    case DB_MISMATCH: /* an Idempotency-Key reused for another request */
        http_error(rs, 422, "%s", detail);
        break;
    case DB_BUSY:
        rs->retry_after = 1;
        http_error(rs, 503, "the database is busy; try again");
        break;
    default:
        http_error(rs, 500, "the server could not store or read the data");
    }
}

/* Answers with out (status on success) or with the failure r; detail as for db_failure. */
static void answer(struct http_response *rs, enum db_result r, json_t *out, int status,
                   const char *detail)
{
    if (r == DB_OK)
        http_json(rs, status, out);
    else
        db_failure(rs, r, detail);
}

/* As answer, for a database result that is JSON text already (taken over by rs). */
static void answer_text(struct http_response *rs, enum db_result r, char *body, int status,
                        const char *detail)
{
    if (r == DB_OK) {
        free(rs->body);
        rs->status = status;
        rs->body = body;
    } else {
        db_failure(rs, r, detail);
    }
}

/* Finds the caller from "Authorization: Bearer TOKEN"; answers 401 if there is none. */
static bool authenticate(struct app *app, const struct http_request *rq,
                         struct http_response *rs, struct db_user *user)
{
    const char *h = http_header(rq, "Authorization");
    if (h == NULL) {
        http_error(rs, 401, "missing Authorization: Bearer token");
        return false;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0' || strlen(h) > 512) {
        http_error(rs, 401, "the Authorization header must be \"Bearer TOKEN\"");
        return false;
    }
    enum db_result r = db_user_by_token(app->db, h + 7, user);
    if (r == DB_NOT_FOUND) {
        http_error(rs, 401, "the token is not valid");
        return false;
    }
    if (r != DB_OK) {
        db_failure(rs, r, NULL);
        return false;
    }
    char key[64];
    snprintf(key, sizeof key, "user:%s", user->id);
    if (!ratelimit_take(app->limit, key, &rs->retry_after)) {
        http_error(rs, 429, "too many requests; retry in %u s", rs->retry_after);
        return false;
    }
    return true;
}

static void get_sessions(struct app *app, const struct http_request *rq,
                         struct http_response *rs, const struct db_user *me)
{
    time_t from = time(NULL) - 12 * 3600, to = (time_t)INT32_MAX * 4;
    const char *names[] = {"from", "to"};
    time_t *slots[] = {&from, &to};
    for (int i = 0; i < 2; i++) {
        const char *v = http_query(rq, names[i]);
        if (v && !iso8601_parse(v, slots[i])) {
            http_error(rs, 400, "%s: not an ISO 8601 time with a zone, e.g. "
                       "2024-01-15T10:00:00Z", names[i]);
            return;
        }
    }
    char *body = NULL;
    enum db_result r = db_sessions(app->db, me, from, to, &body);
    answer_text(rs, r, body, 200, NULL);
}

static void get_meeting(struct app *app, const char *id, struct http_response *rs,
                        const struct db_user *me)
{
    char *body = NULL;
    enum db_result r = meetings_get(app->meetings, id, me, &body);
    answer_text(rs, r, body, 200, NULL);
}

static void post_complete(struct app *app, const char *id, struct http_response *rs,
                          const struct db_user *me)
{
    json_t *out = NULL;
    char err[256] = "";
    enum db_result r = db_complete(app->db, id, me, &out, err, sizeof err);
    answer(rs, r, out, 200, err);
}

/* An Idempotency-Key is 1-255 visible ASCII characters. */
static bool valid_key(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return false;
    return true;
}

static void post_feedback(struct app *app, const struct http_request *rq, const char *id,
                          struct http_response *rs, const struct db_user *me)
{
    static const char *const known[] = {"rating", "comment", NULL};
    struct db_feedback fb = {.idempotency_key = http_header(rq, "Idempotency-Key")};
    if (fb.idempotency_key && !valid_key(fb.idempotency_key)) {
        http_error(rs, 400, "Idempotency-Key: 1 to 255 visible ASCII characters");
        return;
    }
    json_t *obj = body_object(rq, rs);
    if (obj == NULL)
        return;
    if (body_known_fields(obj, known, rs) &&
        body_int(obj, "rating", true, 1, 5, 0, &fb.rating, rs) &&
        body_string(obj, "comment", false, MAX_COMMENT, &fb.comment, rs)) {
        if (fb.comment == NULL)
            fb.comment = "";
        char err[256] = "";
        int status = 0;
        char *body = NULL;
        enum db_result r = db_feedback(app->db, id, me, &fb, &status, &body, err, sizeof err);
        if (r == DB_OK) {
            free(rs->body);
            rs->status = status;
            rs->body = body;
        } else {
            db_failure(rs, r, err);
        }
    }
    json_decref(obj);
}

static void post_booking(struct app *app, const struct http_request *rq,
                         struct http_response *rs, const struct db_user *me)
{
    static const char *const known[] = {"mentorId", "packageId", "sessionNumber", "scheduledAt",
                                        "duration", "notes", NULL};
    struct db_booking_request req = {0};
    json_t *obj = body_object(rq, rs);
    if (obj == NULL)
        return;
    if (body_known_fields(obj, known, rs) &&
        body_string(obj, "mentorId", true, 64, &req.mentor_id, rs) &&
        body_string(obj, "packageId", true, 64, &req.package_id, rs) &&
        body_int(obj, "sessionNumber", true, 1, 1000, 0, &req.session_number, rs) &&
        body_time(obj, "scheduledAt", &req.scheduled_at, rs) &&
        body_int(obj, "duration", false, 15, 480, 60, &req.duration, rs) &&
        body_string(obj, "notes", false, MAX_NOTES, &req.notes, rs)) {
        char err[256] = "";
        char *body = NULL;
        enum db_result r = meetings_book(app->meetings, me, &req, &body, err, sizeof err);
        answer_text(rs, r, body, 201, err);
    }
    json_decref(obj);
}

/* PATCH /api/bookings/{id}: {scheduledAt, duration}, either or both, neither null. */
static void patch_booking(struct app *app, const struct http_request *rq, const char *id,
                          struct http_response *rs, const struct db_user *me)
{
    static const char *const known[] = {"scheduledAt", "duration", NULL};
    json_t *obj = body_object(rq, rs);
    if (obj == NULL)
        return;
    bool has_start = json_object_get(obj, "scheduledAt") != NULL;
    bool has_duration = json_object_get(obj, "duration") != NULL;
    time_t start = 0;
    int duration = 0;
    if (!body_known_fields(obj, known, rs)) {
        /* answered */
    } else if (!has_start && !has_duration) {
        http_error(rs, 400, "give scheduledAt, duration or both");
    } else if (json_is_null(json_object_get(obj, "scheduledAt")) ||
               json_is_null(json_object_get(obj, "duration"))) {
        http_error(rs, 400, "%s: must not be null; leave it out to keep it",
                   json_is_null(json_object_get(obj, "scheduledAt")) ? "scheduledAt"
                                                                      : "duration");
    } else if ((!has_start || body_time(obj, "scheduledAt", &start, rs)) &&
               (!has_duration || body_int(obj, "duration", true, 15, 480, 60, &duration,
                                          rs))) {
        char err[256] = "";
        char *body = NULL;
        enum db_result r = meetings_change(app->meetings, id, me, has_start ? &start : NULL,
                                           has_duration ? &duration : NULL, false, &body, err,
                                           sizeof err);
        answer_text(rs, r, body, 200, err);
    }
    json_decref(obj);
}

/* POST /api/bookings/{id}/cancel: no body is needed, and any is ignored. */
static void cancel_booking(struct app *app, const char *id, struct http_response *rs,
                           const struct db_user *me)
{
    char err[256] = "";
    char *body = NULL;
    enum db_result r = meetings_change(app->meetings, id, me, NULL, NULL, true, &body, err,
                                       sizeof err);
    answer_text(rs, r, body, 200, err);
}

/* A session id in a path: letters, digits, '-' and '_', at most 64. */
static bool valid_id(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

static bool method_is(const struct http_request *rq, const char *want, struct http_response *rs)
{
    if (strcmp(rq->method, want) == 0)
        return true;
    char method[68];
    http_escape(rq->method, strlen(rq->method), method, sizeof method);
    rs->allow = want;
    http_error(rs, 405, "%s is not allowed here; use %s", method, want);
    return false;
}

static const char webhook_path[] = "/api/webhooks/meeting";

/* A booking's routes: PATCH /api/bookings/{id}, POST /api/bookings/{id}/cancel. Returns
 * false for a path that is not one of them. */
static bool booking_route(struct app *app, const struct http_request *rq,
                          struct http_response *rs, struct db_user *me)
{
    static const char prefix[] = "/api/bookings/";
    if (strncmp(rq->path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *id = rq->path + sizeof prefix - 1;
    const char *slash = strchr(id, '/');
    size_t idlen = slash ? (size_t)(slash - id) : strlen(id);
    bool cancel = slash && strcmp(slash, "/cancel") == 0;
    if (slash && !cancel)
        return false;
    if (!valid_id(id, idlen)) {
        http_error(rs, 404, "no such session");
        return true;
    }
    char idbuf[65];
    memcpy(idbuf, id, idlen);
    idbuf[idlen] = '\0';
    if (!method_is(rq, cancel ? "POST" : "PATCH", rs) || !authenticate(app, rq, rs, me))
        return true;
    if (cancel)
        cancel_booking(app, idbuf, rs, me);
    else
        patch_booking(app, rq, idbuf, rs, me);
    return true;
}

/* Routes one request; *me is the caller once a token identified them. */
static void route(struct app *app, const struct http_request *rq, struct http_response *rs,
                  struct db_user *me)
{
    const char *path = rq->path;

    if (strcmp(path, webhook_path) == 0) {
        if (method_is(rq, "POST", rs))
            webhook_handle(app, rq, rs);
        return;
    }
    if (strcmp(path, "/api/sessions") == 0) {
        if (method_is(rq, "GET", rs) && authenticate(app, rq, rs, me))
            get_sessions(app, rq, rs, me);
        return;
    }
    if (strcmp(path, "/api/bookings") == 0) {
        if (method_is(rq, "POST", rs) && authenticate(app, rq, rs, me))
            post_booking(app, rq, rs, me);
        return;
    }
    if (booking_route(app, rq, rs, me))
        return;
    static const char prefix[] = "/api/sessions/";
    const char *slash = strncmp(path, prefix, sizeof prefix - 1) == 0
                            ? strchr(path + sizeof prefix - 1, '/') : NULL;
    if (slash) {
        const char *id = path + sizeof prefix - 1;
        size_t idlen = (size_t)(slash - id);
        const char *action = slash + 1;
        char idbuf[65];
        bool known = strcmp(action, "meeting") == 0 || strcmp(action, "complete") == 0 ||
                     strcmp(action, "feedback") == 0;
        if (known && !valid_id(id, idlen)) {
            http_error(rs, 404, "no such session");
            return;
        }
        if (known) {
            memcpy(idbuf, id, idlen);
            idbuf[idlen] = '\0';
            const char *method = strcmp(action, "meeting") == 0 ? "GET" : "POST";
            if (!method_is(rq, method, rs) || !authenticate(app, rq, rs, me))
                return;
            if (action[0] == 'm')
                get_meeting(app, idbuf, rs, me);
            else if (action[0] == 'c')
                post_complete(app, idbuf, rs, me);
            else
                post_feedback(app, rq, idbuf, rs, me);
            return;
        }
    }
    char method[68], where[256];
    http_escape(rq->method, strlen(rq->method), method, sizeof method);
    http_escape(path, strlen(path), where, sizeof where);
    http_error(rs, 404, "no route %s %s", method, where);
}

/* A request no token identified (none, a bad one, no such route) counts against the client's
 * address, which no per-user limit sees; over the limit its answer is 429. Webhooks have
 * their own limit per sender. */
static void limit_address(struct app *app, const struct http_request *rq,
                          struct http_response *rs)
{
    char key[80];
    unsigned retry = 0;
    snprintf(key, sizeof key, "addr:%s", rq->client);
    if (ratelimit_take(app->limit, key, &retry))
        return;
    rs->allow = NULL;
    rs->retry_after = retry;
    http_error(rs, 429, "too many requests without a valid token; retry in %u s", retry);
}

void routes_handle(void *ctx, const struct http_request *rq, struct http_response *rs)
{
    struct app *app = ctx;
    struct db_user me = {.id = ""};
    route(app, rq, rs, &me);
    bool webhook = strcmp(rq->path, webhook_path) == 0 &&
                   strcmp(rq->method, "POST") == 0;
    if (me.id[0] == '\0' && !webhook)
        limit_address(app, rq, rs);
}
