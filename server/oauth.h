/* OAuth 2.0 access tokens for the providers' APIs (Zoom's account credentials, Google's
 * refresh token), and the API calls made with them.
 *
 * A token is fetched when first needed and kept until shortly before its expires_in; the
 * requests that need one while it is being fetched wait for that fetch rather than making
 * their own, so many bookings cost one token request, and when that fetch fails each of them
 * gets its failure instead of asking again in turn. Each waits no longer than its own
 * deadline; requests that need no provider call never touch the token. An API call answered
 * 401 gets a new token and is made once more; a call answered 429, the token request
 * included, is made again after its Retry-After when that still fits before the deadline.
 * Messages name the provider, the status and the method and path, never a credential or a
 * token. */
#ifndef SERVER_OAUTH_H
#define SERVER_OAUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct oauth {
    /* Set by the provider before use, then never changed. */
    const char *provider;    /* "zoom": the first word of every message */
    char *token_url;         /* the token endpoint, with Zoom's query */
    char *authorization;     /* the token request's Authorization (Zoom's Basic), or NULL */
    char *form;              /* the token request's form body, or NULL for none */
    const char *refused;     /* said when the token request is refused: what to check */
    /* The cached token, under lock. */
    pthread_mutex_t lock;
    pthread_cond_t fetched;  /* a fetch ended */
    bool fetching;
    unsigned long fetches;   /* fetches ended so far: a waiter sees its fetch end */
    bool failed;             /* the last fetch that ended failed, saying failure */
    char failure[256];
    char *token;
    double expires;          /* provider_now() time to fetch a new one */
};

/* Prepares o's lock and condition; the strings are the provider's to set (malloc'd). */
void oauth_init(struct oauth *o, const char *provider, const char *refused);

/* Calls the API: method url with body (JSON, may be NULL) and a Bearer token, by deadline.
 * True for a 2xx answer, with its JSON in *out (caller releases; NULL for an empty answer).
 * False with err set otherwise; *status is the last answer's status (0 for none), so that
 * a caller may take a 404 for "already gone". */
bool oauth_call(struct oauth *o, const char *method, const char *url, json_t *body,
                double deadline, long *status, json_t **out, char *err, size_t errlen);

#endif
