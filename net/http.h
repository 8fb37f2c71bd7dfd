/* An asynchronous HTTP engine on the libcurl multi interface that plugs into the caller's
 * poll() loop: it lists the sockets it wants watched and the time it next needs to act, and
 * reports each finished request through a callback. No threads, nothing blocks, except
 * http_wait, the blocking helper for command-line use.
 *
 * Policy lives here: https only (plain http to loopback), verified certificates, a cap on
 * response size, connect and total timeouts, redirects followed only within the same
 * origin (so the token never reaches another host), retries with backoff and jitter for
 * connection errors, 429 and 5xx on requests marked idempotent. */
#ifndef NET_HTTP_H
#define NET_HTTP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

/* Why a request failed, one class per thing a person would do differently. */
enum net_status {
    NET_OK,
    NET_CONNECT,      /* cannot connect (refused, unreachable, DNS) */
    NET_TIMEOUT,      /* connect or total timeout */
    NET_TLS,          /* certificate or handshake failure */
    NET_UNAUTHORIZED, /* 401: token missing or rejected */
    NET_FORBIDDEN,    /* 403 */
    NET_NOT_FOUND,    /* 404 */
    NET_CONFLICT,     /* 409 */
    NET_RATE_LIMITED, /* 429 */
    NET_SERVER,       /* 5xx */
    NET_BAD_REQUEST,  /* 400 and other 4xx */
    NET_BAD_RESPONSE, /* not valid JSON, a missing field, a truncated or oversized body */
    NET_REDIRECT,     /* a redirect to another origin, or too many */
    NET_REFUSED_URL,  /* the URL is not one we may call */
    NET_INTERNAL,     /* out of memory and the like */
};

/* True for failures worth trying again later (and queueing): connection, timeout, 429, 5xx. */
bool net_status_is_transient(enum net_status s);

struct http_config {
    long connect_timeout_ms; /* default 5000 */
    long total_timeout_ms;   /* default 15000 */
    size_t max_body;         /* default 4 MiB */
    int max_retries;         /* extra attempts for idempotent requests, default 2 */
    const char *ca_file;     /* NULL: the system's CA store */
    bool insecure;           /* skip certificate checks (explicit, warned by the caller) */
};

struct http_request {
    const char *method; /* "GET" or "POST" */
    const char *url;
    const char *token;  /* sent as "Authorization: Bearer TOKEN" if not NULL */
    const char *body;   /* JSON text or NULL */
    const char *idempotency_key; /* sent as Idempotency-Key if not NULL */
    bool idempotent;    /* may be retried */
};

struct http_result {
    enum net_status status;
    long code;          /* HTTP status, 0 if none arrived */
    char *body;         /* NUL-terminated response body (owned by the engine during the
                           callback) */
    size_t body_len;
    char message[512];  /* for a failure: what went wrong, for a person */
    int attempts;
};

struct http_engine;

typedef void (*http_done_fn)(void *ud, const struct http_result *res);

/* Checks that url may be called: https, or http to a loopback address. On refusal err says
 * why. */
bool http_url_allowed(const char *url, char *err, size_t errlen);

/* NULL if libcurl cannot be set up. The caller frees with http_engine_free, which cancels
 * calls still running without calling their callbacks. */
struct http_engine *http_engine_new(const struct http_config *cfg);
void http_engine_free(struct http_engine *e);

/* Starts a request (the engine copies rq). done is called exactly once, later, from
 * http_engine_dispatch or http_wait, never from inside http_start. Returns false only when
 * out of memory, and then done is never called. */
bool http_start(struct http_engine *e, const struct http_request *rq, http_done_fn done,
                void *ud);

/* Fills up to max pollfds with the sockets to watch; returns how many. */
int http_engine_pollfds(struct http_engine *e, struct pollfd *fds, int max);
/* Milliseconds until the engine must run again even without socket activity; -1 if never. */
int http_engine_timeout(struct http_engine *e);
/* Acts on poll()'s results (fds as filled above, with revents) and on due timers, and calls
 * the callbacks of finished requests. */
void http_engine_dispatch(struct http_engine *e, const struct pollfd *fds, int n);
/* Number of requests not finished yet. */
int http_engine_pending(struct http_engine *e);

/* Blocking: runs the engine until every request has finished. */
void http_wait(struct http_engine *e);

#endif
