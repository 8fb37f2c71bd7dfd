#include "net/http.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <glib.h>
#include <jansson.h>

#define MAX_SOCKETS 64
#define MAX_REDIRECTS 5
#define MAX_RETRY_AFTER_S 30

struct http_call {
    struct http_engine *engine;
    CURL *easy;
    struct curl_slist *headers;
    char *method, *url, *body;
    bool idempotent;
    http_done_fn done;
    void *ud;
    char *buf; /* the response so far */
    size_t len, cap; /* bytes in buf, and allocated (len + 1 for the NUL at most) */
    bool too_big;
    int attempts, redirects;
    long long retry_at;   /* monotonic ms when waiting to retry, else 0 */
    bool finished;        /* result is set; deliver at the next dispatch */
    struct http_result result;
    char errbuf[CURL_ERROR_SIZE];
    struct http_call *next;
};

struct watched {
    curl_socket_t fd;
    int what;
};

struct http_engine {
    CURLM *multi;
    struct http_config cfg;
    char *ca_file;
    struct http_call *calls;
    struct watched sockets[MAX_SOCKETS];
    int nsockets;
    long long curl_deadline; /* monotonic ms, or -1 */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool net_status_is_transient(enum net_status s)
{
    return s == NET_CONNECT || s == NET_TIMEOUT || s == NET_RATE_LIMITED || s == NET_SERVER;
}

static bool is_loopback(const char *host)
{
    struct in_addr a4;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
        strcmp(host, "::1") == 0)
        return true;
    return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

bool http_url_allowed(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL;
    bool ok = false;
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        snprintf(err, errlen, "%.200s is not a valid URL with a host", url);
    } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        snprintf(err, errlen, "the URL must not carry a user name or password");
    } else if (strcasecmp(scheme, "https") == 0) {
        ok = true;
    } else if (strcasecmp(scheme, "http") == 0 && is_loopback(host)) {
        ok = true;
    } else if (strcasecmp(scheme, "http") == 0) {
        snprintf(err, errlen, "plain http is allowed only to this machine (loopback); "
                 "use https://%s", host);
    } else {
        snprintf(err, errlen, "the scheme %s: is not allowed; use https", scheme);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return ok;
}

/* Where a URL points: scheme, host, and port (the scheme's default when absent). */
struct origin {
    char scheme[16], host[256], port[8];
};

static bool origin_parse(const char *url, struct origin *o)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
    /* A part too long for its buffer is a failure, never a truncated (aliasing) origin. */
    ok = ok && (size_t)snprintf(o->scheme, sizeof o->scheme, "%s", scheme) < sizeof o->scheme &&
         (size_t)snprintf(o->host, sizeof o->host, "%s", host) < sizeof o->host &&
         (size_t)snprintf(o->port, sizeof o->port, "%s", port) < sizeof o->port;
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return ok;
}

/* "HOST port PORT" of url, for messages. */
static void describe_host(const char *url, char *out, size_t outlen)
{
    struct origin o;
    if (origin_parse(url, &o))
        snprintf(out, outlen, "%.200s port %s", o.host, o.port);
    else
        snprintf(out, outlen, "the platform");
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct http_engine *e = userp;
    for (int i = 0; i < e->nsockets; i++) {
        if (e->sockets[i].fd != fd)
            continue;
        if (what == CURL_POLL_REMOVE)
            e->sockets[i] = e->sockets[--e->nsockets];
        else
            e->sockets[i].what = what;
        return 0;
    }
    if (what != CURL_POLL_REMOVE && e->nsockets < MAX_SOCKETS)
        e->sockets[e->nsockets++] = (struct watched){fd, what};
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct http_engine *e = userp;
    e->curl_deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    return 0;
}

/* Collects the body, and refuses to grow past the cap (decompressed bytes count). */
static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct http_call *c = userdata;
    size_t n = size * nmemb;
    if (c->len + n > c->engine->cfg.max_body) {
        c->too_big = true;
        return 0;
    }
    if (c->len + n + 1 > c->cap) {
        /* Doubling, not growing to fit each piece: a 4 MiB body in 16 KB pieces would be
         * reallocated 256 times, up to 512 MB copied where realloc cannot grow in place
         * (under AddressSanitizer, whose quarantine keeps what is freed, the client
         * peaked at 316 MB). Never past what the cap can hold. */
        size_t cap = c->cap ? c->cap : 16384;
        while (cap < c->len + n + 1)
            cap *= 2;
        if (cap > c->engine->cfg.max_body + 1)
            cap = c->engine->cfg.max_body + 1;
        char *grown = realloc(c->buf, cap);
        if (grown == NULL)
            return 0;
        c->buf = grown, c->cap = cap;
    }
    memcpy(c->buf + c->len, ptr, n);
    c->len += n;
    c->buf[c->len] = '\0';
    return n;
}

struct http_engine *http_engine_new(const struct http_config *cfg)
{
    static bool global_done;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        global_done = true;
    }
    struct http_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->cfg = *cfg;
    if (e->cfg.connect_timeout_ms <= 0)
        e->cfg.connect_timeout_ms = 5000;
    if (e->cfg.total_timeout_ms <= 0)
        e->cfg.total_timeout_ms = 15000;
    if (e->cfg.max_body == 0)
        e->cfg.max_body = 4 * 1024 * 1024;
    if (e->cfg.max_retries < 0)
        e->cfg.max_retries = 0;
    e->ca_file = cfg->ca_file ? strdup(cfg->ca_file) : NULL;
    e->cfg.ca_file = e->ca_file;
    e->curl_deadline = -1;
    e->multi = curl_multi_init();
    if (e->multi == NULL) {
        free(e->ca_file);
        free(e);
        return NULL;
    }
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    return e;
}

static void call_free(struct http_call *c)
{
    if (c->easy) {
        curl_multi_remove_handle(c->engine->multi, c->easy);
        curl_easy_cleanup(c->easy);
    }
    curl_slist_free_all(c->headers);
    free(c->method);
    free(c->url);
    free(c->body);
    free(c->buf);
    free(c);
}

void http_engine_free(struct http_engine *e)
{
    if (e == NULL)
        return;
    while (e->calls) {
        struct http_call *c = e->calls;
        e->calls = c->next;
        call_free(c);
    }
    curl_multi_cleanup(e->multi);
    free(e->ca_file);
    free(e);
}

/* Sets up the easy handle for the call's current URL and attempt. */
static bool configure(struct http_call *c)
{
    const struct http_config *cfg = &c->engine->cfg;
    CURL *h = c->easy;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, c);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* we follow same-origin ones ourselves */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, cfg->total_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (cfg->total_timeout_ms + 999) / 1000);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_body);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "dheya-meet/" DHEYA_VERSION);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, cfg->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, cfg->insecure ? 0L : 2L);
    if (cfg->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    if (strcmp(c->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body ? c->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(c->body ? strlen(c->body) : 0));
    } else if (strcmp(c->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    }
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
    c->too_big = false;
    c->errbuf[0] = '\0';
    c->attempts++;
    return curl_multi_add_handle(c->engine->multi, h) == CURLM_OK;
}

/* Marks the call finished with a failure of class s; the message is formatted. */
static void fail(struct http_call *c, enum net_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct http_call *c, enum net_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->result.message, sizeof c->result.message, fmt, ap);
    va_end(ap);
    c->result.status = s;
    c->finished = true;
}

bool http_start(struct http_engine *e, const struct http_request *rq, http_done_fn done,
                void *ud)
{
    struct http_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return false;
    c->engine = e;
    c->done = done;
    c->ud = ud;
    c->idempotent = rq->idempotent;
    c->method = strdup(rq->method);
    c->url = strdup(rq->url);
    c->body = rq->body ? strdup(rq->body) : NULL;
    c->easy = curl_easy_init();
    char *auth = rq->token ? g_strdup_printf("Authorization: Bearer %s", rq->token) : NULL;
    char *key = rq->idempotency_key ? g_strdup_printf("Idempotency-Key: %s",
                                                      rq->idempotency_key) : NULL;
    const char *lines[] = {"Accept: application/json", "Expect:",
                           rq->body ? "Content-Type: application/json" : NULL, auth, key};
    bool ok = c->method && c->url && c->easy && (c->body || !rq->body);
    for (size_t i = 0; ok && i < sizeof lines / sizeof *lines; i++) {
        if (lines[i] == NULL)
            continue;
        struct curl_slist *grown = curl_slist_append(c->headers, lines[i]);
        ok = grown != NULL;
        if (ok)
            c->headers = grown;
    }
    if (auth)
        memset(auth, 0, strlen(auth));
    g_free(auth);
    g_free(key);
    if (!ok) {
        call_free(c);
        return false;
    }
    c->next = e->calls;
    e->calls = c;
    char why[300];
    if (!http_url_allowed(c->url, why, sizeof why))
        fail(c, NET_REFUSED_URL, "refusing to call %s: %s", c->url, why);
    else if (!configure(c))
        fail(c, NET_INTERNAL, "could not start the request");
    return true;
}

/* The "error" member of a JSON error body, if there is one. */
static char *error_text(const char *body, size_t len)
{
    json_t *j = body ? json_loadb(body, len, 0, NULL) : NULL;
    const char *s = json_string_value(json_object_get(j, "error"));
    char *out = s ? g_strndup(s, 300) : NULL;
    json_decref(j);
    return out;
}

/* Schedules another attempt if the failure is worth one; returns true if it did. */
static bool maybe_retry(struct http_call *c, long retry_after_s)
{
    enum net_status s = c->result.status;
    if (!c->idempotent || c->attempts > c->engine->cfg.max_retries ||
        !(s == NET_CONNECT || s == NET_RATE_LIMITED || s == NET_SERVER) ||
        retry_after_s > MAX_RETRY_AFTER_S)
        return false;
    /* Exponential backoff from 250 ms with up to 50% jitter, or the server's Retry-After. */
    long long delay = 250LL << (c->attempts - 1);
    delay += g_random_int_range(0, (gint32)(delay / 2 + 1));
    if (retry_after_s > 0)
        delay = retry_after_s * 1000LL;
    curl_multi_remove_handle(c->engine->multi, c->easy);
    c->retry_at = now_ms() + delay;
    c->finished = false;
    c->result.status = NET_OK;
    c->result.message[0] = '\0';
    return true;
}

/* A same-origin redirect is followed (GET, or 307/308 keeping the method); others refused. */
static bool follow_redirect(struct http_call *c, long code)
{
    char *target = NULL;
    curl_easy_getinfo(c->easy, CURLINFO_REDIRECT_URL, &target);
    if (target == NULL) {
        fail(c, NET_BAD_RESPONSE, "the platform answered %ld without a Location", code);
        return false;
    }
    struct origin from, to;
    bool same = origin_parse(c->url, &from) && origin_parse(target, &to) &&
                strcmp(from.scheme, to.scheme) == 0 && strcmp(from.host, to.host) == 0 &&
                strcmp(from.port, to.port) == 0;
    if (!same) {
        fail(c, NET_REDIRECT, "the platform redirected to another address (%.200s); not "
             "following it, so the token is not sent there", target);
        return false;
    }
    if (++c->redirects > MAX_REDIRECTS) {
        fail(c, NET_REDIRECT, "too many redirects (a redirect loop?) at %.200s", target);
        return false;
    }
    if (strcmp(c->method, "GET") != 0 && code != 307 && code != 308) {
        fail(c, NET_REDIRECT, "the platform redirected a %s with %ld; not repeating it",
             c->method, code);
        return false;
    }
    char *next = strdup(target);
    if (next == NULL)
        return false;
    free(c->url);
    c->url = next;
    curl_multi_remove_handle(c->engine->multi, c->easy);
    c->attempts--; /* a redirect is not a retry */
    if (!configure(c)) {
        fail(c, NET_INTERNAL, "could not follow the redirect");
        return false;
    }
    return true;
}

/* Classifies a transfer that libcurl reports as done. */
static void classify(struct http_call *c, CURLcode rc)
{
    char where[256];
    describe_host(c->url, where, sizeof where);
    long code = 0, retry_after = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
    c->result.code = code;
    const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_OK:
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        fail(c, NET_CONNECT, "cannot connect to %s: %s", where, detail);
        break;
    case CURLE_OPERATION_TIMEDOUT: {
        double connected = 0;
        curl_easy_getinfo(c->easy, CURLINFO_CONNECT_TIME, &connected);
        if (connected <= 0)
            fail(c, NET_TIMEOUT, "timed out connecting to %s (after %ld s)", where,
                 c->engine->cfg.connect_timeout_ms / 1000);
        else
            fail(c, NET_TIMEOUT, "timed out waiting for %s to answer (after %ld s)", where,
                 c->engine->cfg.total_timeout_ms / 1000);
        break;
    }
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        fail(c, NET_TLS, "TLS failure with %s: %s", where, detail);
        break;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (c->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            fail(c, NET_BAD_RESPONSE, "the answer from %s is larger than %zu bytes; refused",
                 where, c->engine->cfg.max_body);
            break;
        }
        fail(c, NET_INTERNAL, "out of memory reading the answer");
        break;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_BAD_CONTENT_ENCODING:
        fail(c, NET_CONNECT, "the connection to %s broke before the answer was complete "
             "(%s)", where, detail);
        break;
    default:
        fail(c, NET_CONNECT, "talking to %s failed: %s", where, detail);
        break;
    }
    if (c->finished) {
        maybe_retry(c, 0);
        return;
    }
    if (code >= 300 && code < 400) {
        follow_redirect(c, code);
        return;
    }
    char *why = code >= 400 ? error_text(c->buf, c->len) : NULL;
    const char *w = why ? why : "no reason given";
    if (code >= 200 && code < 300)
        c->finished = true;
    else if (code == 401)
        fail(c, NET_UNAUTHORIZED, "the platform rejected the token (401): %s", w);
    else if (code == 403)
        fail(c, NET_FORBIDDEN, "not your session (403): %s", w);
    else if (code == 404)
        fail(c, NET_NOT_FOUND, "no such session (404): %s", w);
    else if (code == 409)
        fail(c, NET_CONFLICT, "conflict (409): %s", w);
    else if (code == 429) {
        curl_easy_getinfo(c->easy, CURLINFO_RETRY_AFTER, &retry_after);
        fail(c, NET_RATE_LIMITED, "rate-limited by the platform (429): %s", w);
    } else if (code >= 500)
        fail(c, NET_SERVER, "the platform failed (%ld): %s", code, w);
    else if (code >= 400)
        fail(c, NET_BAD_REQUEST, "the platform refused the request (%ld): %s", code, w);
    else
        fail(c, NET_BAD_RESPONSE, "unexpected answer %ld from %s", code, where);
    g_free(why);
    if (c->result.status != NET_OK)
        maybe_retry(c, retry_after);
}

int http_engine_pollfds(struct http_engine *e, struct pollfd *fds, int max)
{
    int n = 0;
    for (int i = 0; i < e->nsockets && n < max; i++) {
        int w = e->sockets[i].what;
        fds[n++] = (struct pollfd){
            .fd = e->sockets[i].fd,
            .events = (short)(((w & CURL_POLL_IN) ? POLLIN : 0) |
                              ((w & CURL_POLL_OUT) ? POLLOUT : 0)),
        };
    }
    return n;
}

int http_engine_timeout(struct http_engine *e)
{
    long long now = now_ms(), due = e->curl_deadline;
    for (struct http_call *c = e->calls; c; c = c->next) {
        if (c->finished)
            return 0;
        if (c->retry_at && (due < 0 || c->retry_at < due))
            due = c->retry_at;
    }
    if (due < 0)
        return -1;
    return due <= now ? 0 : (int)(due - now > 3600000 ? 3600000 : due - now);
}

int http_engine_pending(struct http_engine *e)
{
    int n = 0;
    for (struct http_call *c = e->calls; c; c = c->next)
        n++;
    return n;
}

void http_engine_dispatch(struct http_engine *e, const struct pollfd *fds, int n)
{
    int running = 0;
    for (int i = 0; i < n; i++) {
        if (fds[i].revents == 0)
            continue;
        int flags = ((fds[i].revents & POLLIN) ? CURL_CSELECT_IN : 0) |
                    ((fds[i].revents & POLLOUT) ? CURL_CSELECT_OUT : 0) |
                    ((fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(e->multi, fds[i].fd, flags, &running);
    }
    long long now = now_ms();
    if (e->curl_deadline >= 0 && e->curl_deadline <= now) {
        e->curl_deadline = -1;
        curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    for (struct http_call *c = e->calls; c; c = c->next) {
        if (c->retry_at && c->retry_at <= now) {
            c->retry_at = 0;
            if (!configure(c))
                fail(c, NET_INTERNAL, "could not start the request again");
        }
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(e->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct http_call *c = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        if (c)
            classify(c, msg->data.result);
    }
    /* Deliver outside the loops above: a callback may start new calls. */
    for (;;) {
        struct http_call **pp = &e->calls;
        while (*pp && !(*pp)->finished)
            pp = &(*pp)->next;
        if (*pp == NULL)
            break;
        struct http_call *c = *pp;
        *pp = c->next;
        c->result.body = c->buf ? c->buf : (char *)"";
        c->result.body_len = c->len;
        c->result.attempts = c->attempts;
        c->done(c->ud, &c->result);
        call_free(c);
    }
}

void http_wait(struct http_engine *e)
{
    struct pollfd fds[MAX_SOCKETS];
    while (e->calls) {
        int n = http_engine_pollfds(e, fds, MAX_SOCKETS);
        int t = http_engine_timeout(e);
        if (t < 0 || t > 1000)
            t = 1000;
        poll(fds, (nfds_t)n, t);
        http_engine_dispatch(e, fds, n);
    }
}
