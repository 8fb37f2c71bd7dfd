/* Calls to the providers' HTTP APIs with libcurl, one easy handle per call (so any thread
 * may call): https only (http only to a loopback address, for local stand-ins), no
 * redirects followed, a deadline for the whole call, and a cap on the answer's size. */
#ifndef SERVER_FETCH_H
#define SERVER_FETCH_H

#include <stdbool.h>
#include <stddef.h>

/* The most an answer may hold; a longer one is cut off as a failure. */
#define FETCH_MAX_BODY (1024 * 1024)

struct fetch_request {
    const char *method;        /* GET, POST, PATCH or DELETE */
    const char *url;
    const char *authorization; /* the Authorization header's value, or NULL */
    const char *content_type;  /* of body, when there is one */
    const char *body;          /* NULL: no body (a POST sends an empty one) */
    double deadline;           /* provider_now() time by which the call is over */
};

struct fetch_response {
    long status;      /* the HTTP status; 0 when no answer came (err says why) */
    bool timed_out;   /* no answer by the deadline */
    char *body;       /* the answer, NUL-terminated (may be empty); owned */
    size_t len;
    long retry_after; /* seconds a Retry-After header asked for; -1 without one */
};

/* Once at start, before any thread calls fetch (curl_global_init), and once at the end. */
bool fetch_global_init(void);
void fetch_global_cleanup(void);

/* Makes one call. Returns true when an answer came, whatever its status; false with err
 * set (and rs->timed_out when the deadline passed) when none did. Free rs with
 * fetch_response_free either way. */
bool fetch(const struct fetch_request *rq, struct fetch_response *rs, char *err,
           size_t errlen);
void fetch_response_free(struct fetch_response *rs);

/* Checks the base URL in the environment variable var (def when unset or empty) and writes
 * it without a trailing '/' to out: https://HOST[:PORT][/PATH], or http:// with a loopback
 * host (127.0.0.0/8, localhost, [::1]) for local stand-ins; no user, query or fragment.
 * False with err naming var otherwise. */
bool fetch_base_url(const char *var, const char *def, char *out, size_t outlen, char *err,
                    size_t errlen);

/* The path of url (from the first '/' after the host to the query), for messages that
 * must not carry a query's parameters. */
void fetch_url_path(const char *url, char *out, size_t outlen);

#endif
