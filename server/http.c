#include "server/http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

/* Where a connection is in its exchange. The client's phases are timed; the handler's is not,
 * so a slow database never costs a client its answer. */
enum phase {
    PHASE_RECEIVING,  /* waiting for a request, or reading its headers and body */
    PHASE_PROCESSING, /* the handler runs */
    PHASE_SENDING,    /* the answer is queued and going out */
};

/* One open connection, from accept to close (the socket context of libmicrohttpd). */
struct conn {
    struct conn *prev, *next;
    int fd;
    char client[64];
    enum phase phase;
    double deadline; /* monotonic seconds: the end of the client's phase */
    bool closing;    /* shut down by us; libmicrohttpd closes it on its next look */
};

struct http_server {
    struct MHD_Daemon *daemon;
    http_handler handler;
    void *ctx;
    bool quiet;
    double timeout;
    unsigned max_connections, max_per_ip;
    pthread_mutex_t lock; /* guards conns and stop */
    pthread_cond_t wake;  /* on CLOCK_MONOTONIC: stops the reaper */
    struct conn *conns;
    bool stop;
    pthread_t reaper;
    bool reaping; /* the reaper thread runs */
};

/* What one request has collected so far. */
struct pending {
    char *path; /* the decoded path, path_len bytes: it may hold a NUL */
    size_t path_len;
    bool nul;   /* the URL (path or query) holds an encoded NUL */
    bool headers_seen;
    char *body;
    size_t len;
};

const char *http_header(const struct http_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_json(struct http_response *rs, int status, json_t *obj)
{
    free(rs->body);
    rs->status = status;
    rs->body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (rs->body == NULL) {
        rs->status = 500;
        rs->body = strdup("{\"error\":\"the server could not build its answer\"}");
    }
}

void http_error(struct http_response *rs, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    http_json(rs, status, json_pack("{s:s}", "error", msg));
}

void http_escape(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 <= outlen; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch >= 0x7f || ch == '\\')
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
        else
            out[o++] = (char)ch;
    }
    if (outlen > 0)
        out[o] = '\0';
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Ends a connection from outside libmicrohttpd's thread: the socket reads EOF, so its thread
 * closes it and says so with MHD_CONNECTION_NOTIFY_CLOSED, which takes the lock before the
 * descriptor is closed; under the lock, c->fd is still this connection's. */
static void shut(struct conn *c)
{
    shutdown(c->fd, SHUT_RDWR);
    c->closing = true;
}

static struct conn *conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Moves a connection to phase ph; a client's phase gets the whole timeout from now. */
static void set_phase(struct http_server *srv, struct MHD_Connection *mc, enum phase ph)
{
    struct conn *c = conn_of(mc);
    if (c == NULL)
        return;
    pthread_mutex_lock(&srv->lock);
    c->phase = ph;
    c->deadline = now_seconds() + srv->timeout;
    pthread_mutex_unlock(&srv->lock);
}

/* Makes room for c, just accepted. Past the per-address or the total limit, the connection
 * that has waited longest for its request is shut down (of c's address, if that limit is the
 * one passed): refusing newcomers instead would let whoever holds the slots, trickling bytes,
 * starve everyone else, while a connection that is still waiting for its request is the
 * cheapest to lose. c itself is the one shut down when no other is waiting. Lock held. */
static void make_room(struct http_server *srv, struct conn *c)
{
    unsigned total = 0, same = 0;
    for (struct conn *e = srv->conns; e; e = e->next) {
        if (e->closing)
            continue;
        total++;
        same += strcmp(e->client, c->client) == 0;
    }
    bool per_address = same > srv->max_per_ip;
    if (!per_address && total <= srv->max_connections)
        return;
    struct conn *victim = NULL;
    for (struct conn *e = srv->conns; e; e = e->next)
        if (!e->closing && e->phase == PHASE_RECEIVING &&
            (!per_address || strcmp(e->client, c->client) == 0) &&
            (victim == NULL || e->deadline <= victim->deadline))
            victim = e;
    shut(victim ? victim : c);
}

static void client_address(struct MHD_Connection *mc, char out[64])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 64);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 64);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *srv = cls;
    struct conn *c = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (c == NULL)
            return;
        pthread_mutex_lock(&srv->lock);
        if (c->prev)
            c->prev->next = c->next;
        else
            srv->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&srv->lock);
        free(c);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        /* An untracked connection would escape the time bound: end it instead. */
        if (fd)
            shutdown(fd->connect_fd, SHUT_RDWR);
        return;
    }
    c->fd = fd ? fd->connect_fd : -1;
    client_address(mc, c->client);
    c->phase = PHASE_RECEIVING;
    pthread_mutex_lock(&srv->lock);
    c->deadline = now_seconds() + srv->timeout;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    make_room(srv, c);
    pthread_mutex_unlock(&srv->lock);
    *socket_context = c;
}

/* Shuts down every connection whose client phase has run past its deadline, sleeping until
 * the nearest one. A deadline set later is never nearer than those already set (each is now
 * plus the same timeout), so nothing needs to wake this thread but the stop. */
static void *reap(void *arg)
{
    struct http_server *srv = arg;
    pthread_mutex_lock(&srv->lock);
    while (!srv->stop) {
        double now = now_seconds(), next = now + srv->timeout;
        for (struct conn *c = srv->conns; c; c = c->next) {
            if (c->closing || c->phase == PHASE_PROCESSING)
                continue;
            if (c->deadline <= now)
                shut(c);
            else if (c->deadline < next)
                next = c->deadline;
        }
        struct timespec ts = {.tv_sec = (time_t)next,
                              .tv_nsec = (long)((next - (double)(time_t)next) * 1e9)};
        pthread_cond_timedwait(&srv->wake, &srv->lock, &ts);
    }
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

static enum MHD_Result send_json(struct http_server *srv, struct MHD_Connection *conn,
                                 const struct http_response *rs)
{
    const char *body = rs->body ? rs->body : "{}";
    char *text = NULL;
    if (asprintf(&text, "%s\n", body) < 0)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text,
                                                             MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (rs->status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (rs->allow)
        MHD_add_response_header(r, "Allow", rs->allow);
    if (rs->retry_after) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", rs->retry_after);
        MHD_add_response_header(r, "Retry-After", secs);
    }
    set_phase(srv, conn, PHASE_SENDING);
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ok;
}

/* Logs one request and sends its answer. Method and path are the client's: escaped, so that
 * they cannot reach the operator's terminal as control sequences. */
static enum MHD_Result answer(struct http_server *srv, struct MHD_Connection *conn,
                              const char *method, const struct pending *p,
                              struct http_response *rs)
{
    if (!srv->quiet) {
        char client[64], m[68], path[256];
        client_address(conn, client);
        http_escape(method, strlen(method), m, sizeof m);
        http_escape(p->path, p->path_len, path, sizeof path);
        fprintf(stderr, "%s %s %s -> %d\n", client, m, path, rs->status);
    }
    enum MHD_Result ok = send_json(srv, conn, rs);
    free(rs->body);
    rs->body = NULL;
    return ok;
}

/* Called once the request line is in, with the URL as sent (NULL when there is none): the
 * request's own state starts here, so the path can be decoded whole (libmicrohttpd's decoded
 * URL ends at a NUL). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct pending *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    if (uri == NULL)
        uri = "";
    /* Each '%' in a URL starts an escape (a literal one is %25), so "%00" is exactly a NUL. */
    p->nul = strstr(uri, "%00") != NULL;
    p->path = strndup(uri, strcspn(uri, "?"));
    if (p->path == NULL) {
        free(p);
        return NULL;
    }
    p->path_len = MHD_http_unescape(p->path);
    return p;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct http_server *srv = cls;
    struct pending *p = *con_cls;
    if (p == NULL)
        return MHD_NO; /* on_uri ran out of memory */

    if (!p->headers_seen) {
        /* Only the headers are in. Refuse what cannot be routed, or an announced oversize
         * body, before reading any of the body. */
        p->headers_seen = true;
        struct http_response rs = {0};
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (p->nul)
            http_error(&rs, 400, "the URL holds an encoded NUL byte (%%00)");
        else if (cl && strtoull(cl, NULL, 10) > HTTP_MAX_BODY)
            http_error(&rs, 413, "the request body is larger than %d bytes", HTTP_MAX_BODY);
        else
            return MHD_YES;
        return answer(srv, conn, method, p, &rs);
    }
    if (*upload_data_size > 0) {
        /* A body that grows past the cap without announcing it: drop the connection. */
        if (p->len + *upload_data_size > HTTP_MAX_BODY)
            return MHD_NO;
        char *grown = realloc(p->body, p->len + *upload_data_size + 1);
        if (grown == NULL)
            return MHD_NO;
        memcpy(grown + p->len, upload_data, *upload_data_size);
        p->body = grown;
        p->len += *upload_data_size;
        p->body[p->len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }

    set_phase(srv, conn, PHASE_PROCESSING);
    struct http_request rq = {.conn = conn, .method = method, .path = url,
                              .body = p->body ? p->body : "", .body_len = p->len};
    struct http_response rs = {0};
    client_address(conn, rq.client);
    srv->handler(srv->ctx, &rq, &rs);
    (void)version;
    return answer(srv, conn, method, p, &rs);
}

/* The request is over (answered, or the connection failed): free its state, and give a
 * kept-alive connection the whole timeout for its next request. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pending *p = *con_cls;
    if (p) {
        free(p->path);
        free(p->body);
        free(p);
        *con_cls = NULL;
    }
    set_phase(cls, conn, PHASE_RECEIVING);
}

/* Splits HOST:PORT (HOST may be [v6]) and resolves it to one numeric address. */
static struct addrinfo *resolve(const char *listen, char *host, size_t hostlen, char *err,
                                size_t errlen)
{
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen || colon[1] == '\0') {
        snprintf(err, errlen, "--listen %s: expected HOST:PORT, e.g. 127.0.0.1:0", listen);
        return NULL;
    }
    const char *h = listen;
    size_t n = (size_t)(colon - listen);
    if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= hostlen) {
        snprintf(err, errlen, "--listen %s: host name too long", listen);
        return NULL;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || port > 65535) {
        snprintf(err, errlen, "--listen %s: the port must be a number from 0 to 65535", listen);
        return NULL;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "--listen %s: %s", listen, gai_strerror(rc));
        return NULL;
    }
    return ai;
}

struct http_server *http_start(const struct http_options *opt, http_handler handler, void *ctx,
                               char **url, char *err, size_t errlen)
{
    char host[256];
    struct addrinfo *ai = resolve(opt->listen, host, sizeof host, err, errlen);
    if (ai == NULL)
        return NULL;
    struct http_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        freeaddrinfo(ai);
        return NULL;
    }
    srv->handler = handler;
    srv->ctx = ctx;
    srv->quiet = opt->quiet;
    srv->timeout = opt->timeout_seconds;
    srv->max_connections = opt->max_connections;
    srv->max_per_ip = opt->max_per_ip;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->wake, &ca);
    pthread_condattr_destroy(&ca);
    /* A thread per connection: a handler that waits (for the database's write lock, for a
     * provider) then holds up its own client only, where in a thread pool it would hold up
     * every connection sharing its thread. The connection limits bound the threads. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The limits are ours (make_room); libmicrohttpd's own, which refuses newcomers, sits
     * above them with room for connections shut down but not yet closed. Its idle timeout
     * stays as a second bound. */
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_CONNECTION_TIMEOUT, opt->timeout_seconds,
        MHD_OPTION_CONNECTION_LIMIT, opt->max_connections + opt->max_connections / 4 + 8,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_END);
    freeaddrinfo(ai);
    if (srv->daemon == NULL) {
        snprintf(err, errlen, "cannot listen on %s (address in use, or not an address of this "
                 "machine?)", opt->listen);
        http_stop(srv);
        return NULL;
    }
    if (pthread_create(&srv->reaper, NULL, reap, srv) != 0) {
        snprintf(err, errlen, "cannot start a thread");
        http_stop(srv);
        return NULL;
    }
    srv->reaping = true;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon,
                                                         MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : 0;
    bool v6 = strchr(host, ':') != NULL;
    if (asprintf(url, "http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port) < 0)
        *url = NULL;
    return srv;
}

void http_stop(struct http_server *srv)
{
    if (srv == NULL)
        return;
    /* Closing the daemon closes every connection, which empties the list. */
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    if (srv->reaping) {
        pthread_mutex_lock(&srv->lock);
        srv->stop = true;
        pthread_cond_signal(&srv->wake);
        pthread_mutex_unlock(&srv->lock);
        pthread_join(srv->reaper, NULL);
    }
    pthread_cond_destroy(&srv->wake);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}
