#include "net/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "net/timestamp.h"

/* One call in flight: what to decode, and whom to tell (nobody once cancelled). */
struct pending {
    struct api *api;
    enum api_kind kind;
    api_done_fn done;
    void *ud;
    bool cancelled;
    struct pending *prev, *next;
};

struct api {
    struct http_engine *engine;
    char *base, *token;
    struct pending *pending; /* calls in flight, so that they can be cancelled and freed */
};

struct api *api_new(struct http_engine *engine, const char *base_url, const char *token)
{
    struct api *api = calloc(1, sizeof *api);
    if (api == NULL)
        return NULL;
    api->engine = engine;
    api->base = g_strdup(base_url);
    size_t n = strlen(api->base);
    while (n > 0 && api->base[n - 1] == '/')
        api->base[--n] = '\0';
    api->token = token ? g_strdup(token) : NULL;
    return api;
}

void api_free(struct api *api)
{
    if (api == NULL)
        return;
    while (api->pending) {
        struct pending *p = api->pending;
        api->pending = p->next;
        free(p);
    }
    g_free(api->base);
    if (api->token)
        memset(api->token, 0, strlen(api->token));
    g_free(api->token);
    free(api);
}

void api_result_free(struct api_result *res)
{
    if (res == NULL)
        return;
    meeting_clear(&res->meeting);
    meeting_list_clear(&res->sessions);
    g_free(res->completed_status);
    g_free(res->feedback_comment);
    free(res);
}

static void decode_failed(struct api_result *res, const char *what)
{
    res->status = NET_BAD_RESPONSE;
    snprintf(res->message, sizeof res->message, "the platform's answer is not usable: %s",
             what);
}

/* {"success": true, "booking": {...}}: the parts complete and feedback answers share. */
static json_t *booking_of_ack(const char *body, size_t len, struct api_result *res,
                              json_t **root)
{
    json_error_t e;
    *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (*root == NULL) {
        char what[300];
        snprintf(what, sizeof what, "not valid JSON: %s", e.text);
        decode_failed(res, what);
        return NULL;
    }
    json_t *b = json_object_get(*root, "booking");
    if (!json_is_object(b)) {
        decode_failed(res, "booking: missing");
        return NULL;
    }
    return b;
}

void api_decode(struct api_result *res, const char *body, size_t len)
{
    char err[400];
    json_t *root = NULL, *b;
    switch (res->kind) {
    case API_SESSIONS:
        if (!meeting_list_decode(body, len, &res->sessions, err, sizeof err))
            decode_failed(res, err);
        break;
    case API_MEETING:
        if (!meeting_decode(body, len, &res->meeting, err, sizeof err))
            decode_failed(res, err);
        break;
    case API_COMPLETE:
        if ((b = booking_of_ack(body, len, res, &root)) == NULL)
            break;
        if (!json_is_string(json_object_get(b, "status")))
            decode_failed(res, "booking.status: missing");
        else
            res->completed_status = g_strdup(json_string_value(json_object_get(b, "status")));
        break;
    case API_FEEDBACK: {
        if ((b = booking_of_ack(body, len, res, &root)) == NULL)
            break;
        json_t *fb = json_object_get(b, "feedback");
        json_t *rating = json_object_get(fb, "rating");
        if (!json_is_integer(rating) || json_integer_value(rating) < 1 ||
            json_integer_value(rating) > 5) {
            decode_failed(res, "booking.feedback.rating: expected a whole number from 1 to 5");
            break;
        }
        res->feedback_rating = (int)json_integer_value(rating);
        const char *c = json_string_value(json_object_get(fb, "comment"));
        res->feedback_comment = g_strdup(c ? c : "");
        break;
    }
    }
    json_decref(root);
}

static void unlink_pending(struct pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        p->api->pending = p->next;
    if (p->next)
        p->next->prev = p->prev;
}

void api_cancel(struct api *api, void *ud)
{
    for (struct pending *p = api->pending; p; p = p->next)
        if (p->ud == ud)
            p->cancelled = true;
}

static void on_http_done(void *ud, const struct http_result *hr)
{
    struct pending *p = ud;
    unlink_pending(p);
    if (p->cancelled) {
        free(p);
        return;
    }
    struct api_result *res = calloc(1, sizeof *res);
    if (res == NULL) {
        p->done(p->ud, NULL);
        free(p);
        return;
    }
    res->kind = p->kind;
    res->status = hr->status;
    res->code = hr->code;
    snprintf(res->message, sizeof res->message, "%s", hr->message);
    if (res->status == NET_OK)
        api_decode(res, hr->body, hr->body_len);
    p->done(p->ud, res);
    free(p);
}

bool api_start(struct api *api, const struct api_call *call, api_done_fn done, void *ud)
{
    struct pending *p = calloc(1, sizeof *p);
    if (p == NULL)
        return false;
    *p = (struct pending){.api = api, .kind = call->kind, .done = done, .ud = ud};
    char *id = call->session_id ? g_uri_escape_string(call->session_id, NULL, FALSE) : NULL;
    char *url = NULL, *body = NULL;
    struct http_request rq = {.method = "POST", .token = api->token, .idempotent = true};
    switch (call->kind) {
    case API_SESSIONS:
        rq.method = "GET";
        if (call->from) {
            char from[32];
            timestamp_format_utc(call->from, from);
            url = g_strdup_printf("%s/api/sessions?from=%s", api->base, from);
        } else {
            url = g_strdup_printf("%s/api/sessions", api->base);
        }
        break;
    case API_MEETING:
        rq.method = "GET";
        url = g_strdup_printf("%s/api/sessions/%s/meeting", api->base, id);
        break;
    case API_COMPLETE:
        url = g_strdup_printf("%s/api/sessions/%s/complete", api->base, id);
        break;
    case API_FEEDBACK: {
        url = g_strdup_printf("%s/api/sessions/%s/feedback", api->base, id);
        json_t *j = json_pack("{s:i, s:s}", "rating", call->rating, "comment",
                              call->comment ? call->comment : "");
        body = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        /* Without a key a repeated POST could store feedback twice; never retry then. */
        rq.idempotent = call->idempotency_key != NULL;
        rq.idempotency_key = call->idempotency_key;
        break;
    }
    }
    rq.url = url;
    rq.body = body;
    bool ok = url && (body || call->kind != API_FEEDBACK) &&
              http_start(api->engine, &rq, on_http_done, p);
    if (ok) {
        p->next = api->pending;
        if (p->next)
            p->next->prev = p;
        api->pending = p;
    } else {
        free(p);
    }
    g_free(id);
    g_free(url);
    free(body);
    return ok;
}
