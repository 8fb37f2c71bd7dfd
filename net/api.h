/* The platform's API as the client uses it: list sessions, get a meeting, complete it, send
 * feedback. Calls run on the asynchronous engine of net/http.h and end in a callback with a
 * decoded result. */
#ifndef NET_API_H
#define NET_API_H

#include <stdbool.h>
#include <time.h>

#include "net/http.h"
#include "net/meeting.h"

enum api_kind { API_SESSIONS, API_MEETING, API_COMPLETE, API_FEEDBACK };

struct api_call {
    enum api_kind kind;
    const char *session_id;      /* all but API_SESSIONS */
    time_t from;                 /* API_SESSIONS: 0 for the server's default */
    int rating;                  /* API_FEEDBACK, 1..5 */
    const char *comment;         /* API_FEEDBACK, may be NULL */
    const char *idempotency_key; /* API_FEEDBACK and API_COMPLETE, may be NULL */
};

struct api_result {
    enum api_kind kind;
    enum net_status status;
    char message[512]; /* on failure: what went wrong, for a person */
    long code;         /* the HTTP status, 0 if none */
    struct meeting meeting;        /* API_MEETING */
    struct meeting_list sessions;  /* API_SESSIONS */
    char *completed_status;        /* API_COMPLETE: the booking's status now */
    int feedback_rating;           /* API_FEEDBACK: as the platform stored it */
    char *feedback_comment;
};

struct api;

/* base_url is the platform's address (e.g. https://dheya.example); token may be NULL.
 * Both are copied. Caller frees with api_free. */
struct api *api_new(struct http_engine *engine, const char *base_url, const char *token);
/* Calls still running are abandoned: their callbacks are never called, so the engine must
 * not be dispatched again afterwards (free it, as cmd_close does). */
void api_free(struct api *api);

typedef void (*api_done_fn)(void *ud, struct api_result *res);

/* Starts a call; done receives the result and owns it (free with api_result_free), or NULL
 * when out of memory. done runs from the engine's dispatch, never from inside api_start.
 * Returns false only when out of memory, and then done is never called. */
bool api_start(struct api *api, const struct api_call *call, api_done_fn done, void *ud);

/* Every call started with this ud ends without its callback: the request runs on in the
 * engine (the platform may still act on it) and its result is dropped. For a caller that
 * goes away with a call in flight. */
void api_cancel(struct api *api, void *ud);

void api_result_free(struct api_result *res);

/* Decodes body, the platform's answer to a call of kind res->kind, into res: the meeting,
 * the sessions, the completed status or the stored feedback. When the answer is not usable,
 * status becomes NET_BAD_RESPONSE and message says why. What it fills is freed with the
 * rest by api_result_free. (The engine's callback uses it; so do the fuzz targets.) */
void api_decode(struct api_result *res, const char *body, size_t len);

#endif
