#include "server/oauth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/fetch.h"
#include "server/http.h"
#include "server/provider.h"

/* Tries of one call that the provider answers 429; each waits its Retry-After. */
#define RATE_LIMITED_TRIES 3

void oauth_init(struct oauth *o, const char *provider, const char *refused)
{
    o->provider = provider;
    o->refused = refused;
    pthread_mutex_init(&o->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&o->fetched, &ca);
    pthread_condattr_destroy(&ca);
}

/* What a provider said about a failure, in a few printable words: the APIs put it in
 * "message" (Zoom), "error.message" (Google), "error_description" or "reason" (token
 * endpoints), or "error". Empty when there is nothing readable. */
static void provider_says(const char *body, char *out, size_t outlen)
{
    out[0] = '\0';
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    const char *text = NULL;
    if (json_is_object(j)) {
        json_t *e = json_object_get(j, "error");
        const char *keys[] = {"message", "error_description", "reason"};
        for (size_t i = 0; i < 3 && text == NULL; i++)
            text = json_string_value(json_object_get(j, keys[i]));
        if (text == NULL)
            text = json_is_object(e) ? json_string_value(json_object_get(e, "message"))
                                     : json_string_value(e);
    }
    if (text && *text) {
        char clean[128];
        http_escape(text, strlen(text), clean, sizeof clean);
        snprintf(out, outlen, ": %s", clean);
    }
    json_decref(j);
}

/* The message for a call that got no usable answer. */
static void failed(const struct oauth *o, const char *method, const char *url,
                   const struct fetch_response *rs, const char *why, char *err, size_t errlen)
{
    char path[256];
    fetch_url_path(url, path, sizeof path);
    if (rs->timed_out) {
        snprintf(err, errlen, "%s: timed out after %u s (%s %s)", o->provider,
                 provider_timeout(), method, path);
    } else if (rs->status == 0) {
        snprintf(err, errlen, "%s: %s %s failed: %s", o->provider, method, path, why);
    } else {
        char says[160];
        provider_says(rs->body, says, sizeof says);
        snprintf(err, errlen, "%s: %ld from %s %s%s", o->provider, rs->status, method, path,
                 says);
    }
}

/* After the tries-th answer of a call came as 429: waits for its Retry-After (a second
 * when it has none) and returns true when one more try is allowed and still fits before
 * the deadline. Otherwise returns false at once, with the reason it is not tried again in
 * why ("rate limited; ..."). */
static bool rate_limit_wait(const struct fetch_response *rs, int tries, double deadline,
                            char *why, size_t whylen)
{
    if (tries >= RATE_LIMITED_TRIES) {
        snprintf(why, whylen, "rate limited; gave up after %d tries", RATE_LIMITED_TRIES);
        return false;
    }
    double wait = rs->retry_after >= 0 ? (double)rs->retry_after : 1.0;
    /* Only a wait that leaves time for the call itself. */
    if (provider_now() + wait + 0.5 >= deadline) {
        if (rs->retry_after >= 0)
            snprintf(why, whylen, "rate limited; its Retry-After of %ld s ends past the time "
                     "limit", rs->retry_after);
        else
            snprintf(why, whylen, "rate limited; no time left to try again");
        return false;
    }
    struct timespec ts = {.tv_sec = (time_t)wait,
                          .tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9)};
    nanosleep(&ts, NULL);
    return true;
}

/* Asks the token endpoint for a token; on success *token (caller frees) and *lifetime. */
static bool request_token(struct oauth *o, double deadline, char **token, double *lifetime,
                          char *err, size_t errlen)
{
    struct fetch_request rq = {.method = "POST", .url = o->token_url,
                               .authorization = o->authorization,
                               .content_type = "application/x-www-form-urlencoded",
                               .body = o->form, .deadline = deadline};
    struct fetch_response rs;
    char why[160] = "", limited[96] = "";
    bool answered;
    for (int tries = 1;; tries++) {
        answered = fetch(&rq, &rs, why, sizeof why);
        if (!answered || rs.status != 429 ||
            !rate_limit_wait(&rs, tries, deadline, limited, sizeof limited))
            break;
        fetch_response_free(&rs);
    }
    bool ok = answered && rs.status == 200;
    json_t *j = ok ? json_loads(rs.body, 0, NULL) : NULL;
    const char *t = json_string_value(json_object_get(j, "access_token"));
    json_t *expires = json_object_get(j, "expires_in");
    if (ok && (t == NULL || *t == '\0' || strlen(t) > 4096 || strpbrk(t, "\r\n") ||
               !json_is_integer(expires) || json_integer_value(expires) <= 0)) {
        char path[256];
        fetch_url_path(o->token_url, path, sizeof path);
        snprintf(err, errlen, "%s: malformed answer from POST %s (no access_token and "
                 "expires_in)", o->provider, path);
        ok = false;
    } else if (!ok) {
        failed(o, "POST", o->token_url, &rs, why, err, errlen);
        if (rs.status == 400 || rs.status == 401 || rs.status == 403)
            snprintf(err + strlen(err), errlen - strlen(err), " (%s)", o->refused);
        else if (rs.status == 429)
            snprintf(err + strlen(err), errlen - strlen(err), " (%s)", limited);
    } else {
        *token = strdup(t);
        *lifetime = (double)json_integer_value(expires);
        ok = *token != NULL;
    }
    json_decref(j);
    fetch_response_free(&rs);
    return ok;
}

/* A token that is not `stale` (the one an API call was refused with): the cached one, or a
 * new one fetched by this request or by the one already fetching, waiting for that one no
 * later than deadline. Caller frees *token. */
static bool get_token(struct oauth *o, const char *stale, double deadline, char **token,
                      char *err, size_t errlen)
{
    struct timespec until = {.tv_sec = (time_t)deadline,
                             .tv_nsec = (long)((deadline - (double)(time_t)deadline) * 1e9)};
    pthread_mutex_lock(&o->lock);
    for (;;) {
        bool usable = o->token && provider_now() < o->expires &&
                      (stale == NULL || strcmp(stale, o->token) != 0);
        if (usable) {
            *token = strdup(o->token);
            pthread_mutex_unlock(&o->lock);
            return *token != NULL;
        }
        if (!o->fetching)
            break;
        unsigned long ended = o->fetches;
        while (o->fetches == ended) {
            if (pthread_cond_timedwait(&o->fetched, &o->lock, &until) == ETIMEDOUT &&
                o->fetches == ended) {
                pthread_mutex_unlock(&o->lock);
                snprintf(err, errlen, "%s: timed out after %u s waiting for an access token",
                         o->provider, provider_timeout());
                return false;
            }
        }
        /* The fetch waited for failed: that is this request's answer too. Asking again at
         * once would only repeat it, once per waiting request, to an endpoint that is down
         * or refusing. */
        if (o->failed) {
            snprintf(err, errlen, "%s", o->failure);
            pthread_mutex_unlock(&o->lock);
            return false;
        }
    }
    o->fetching = true;
    pthread_mutex_unlock(&o->lock);
    char *fresh = NULL;
    double lifetime = 0;
    bool ok = request_token(o, deadline, &fresh, &lifetime, err, errlen);
    pthread_mutex_lock(&o->lock);
    o->fetching = false;
    o->fetches++;
    o->failed = !ok;
    if (ok) {
        free(o->token);
        o->token = fresh;
        /* Renewed shortly before it runs out: a minute early, or halfway for short ones. */
        o->expires = provider_now() + (lifetime > 120 ? lifetime - 60 : lifetime / 2);
        *token = strdup(fresh);
        ok = *token != NULL;
    } else {
        snprintf(o->failure, sizeof o->failure, "%s", err);
    }
    pthread_cond_broadcast(&o->fetched);
    pthread_mutex_unlock(&o->lock);
    return ok;
}

bool oauth_call(struct oauth *o, const char *method, const char *url, json_t *body,
                double deadline, long *status, json_t **out, char *err, size_t errlen)
{
    *status = 0;
    *out = NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    char *token = NULL;
    bool refreshed = false, ok = false;
    if ((body && text == NULL) || !get_token(o, NULL, deadline, &token, err, errlen)) {
        if (body && text == NULL)
            snprintf(err, errlen, "%s: out of memory", o->provider);
        free(text);
        return false;
    }
    /* Each pass ends in a break, but for a new token after a 401 or a wait after a 429. */
    for (int tries = 0;;) {
        char auth[4200], why[160] = "";
        snprintf(auth, sizeof auth, "Bearer %s", token);
        struct fetch_request rq = {.method = method, .url = url, .authorization = auth,
                                   .content_type = "application/json", .body = text,
                                   .deadline = deadline};
        struct fetch_response rs;
        bool answered = fetch(&rq, &rs, why, sizeof why);
        *status = rs.status;
        if (answered && rs.status == 401 && !refreshed) {
            /* Expired or revoked early: one new token, one more try. */
            refreshed = true;
            fetch_response_free(&rs);
            char *stale = token;
            token = NULL;
            bool got = get_token(o, stale, deadline, &token, err, errlen);
            free(stale);
            if (!got)
                break;
            continue;
        }
        tries++;
        char limited[96] = "";
        if (answered && rs.status == 429 &&
            rate_limit_wait(&rs, tries, deadline, limited, sizeof limited)) {
            fetch_response_free(&rs);
            continue;
        }
        if (answered && rs.status >= 200 && rs.status < 300) {
            json_error_t je;
            *out = rs.len ? json_loads(rs.body, JSON_REJECT_DUPLICATES, &je) : NULL;
            ok = rs.len == 0 || json_is_object(*out);
            if (!ok) {
                char path[256];
                fetch_url_path(url, path, sizeof path);
                snprintf(err, errlen, "%s: malformed answer from %s %s (not a JSON object)",
                         o->provider, method, path);
                json_decref(*out);
                *out = NULL;
            }
        } else {
            failed(o, method, url, &rs, why, err, errlen);
            if (rs.status == 429)
                snprintf(err + strlen(err), errlen - strlen(err), " (%s)", limited);
        }
        fetch_response_free(&rs);
        break;
    }
    free(token);
    free(text);
    return ok;
}
