#include "server/http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

struct http_server {
    struct MHD_Daemon *daemon;
    http_handler handler;
    void *ctx;
    bool quiet;
};

/* What one connection's request has collected so far. */
struct pending {
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

static enum MHD_Result send_json(struct MHD_Connection *conn, const struct http_response *rs)
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
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ok;
}

static void client_address(struct MHD_Connection *conn, char out[64])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 64);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 64);
}

/* Logs one request; the path is the client's, so non-printable bytes are escaped as \xHH
 * rather than reaching the operator's terminal. */
static void log_request(const char *client, const char *method, const char *path, int status)
{
    char safe[256];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)path; *p && n < sizeof safe - 5; p++)
        n += (size_t)snprintf(safe + n, sizeof safe - n, *p < 0x20 || *p >= 0x7f ? "\\x%02x"
                              : "%c", *p);
    fprintf(stderr, "%s %.16s %s -> %d\n", client, method, safe, status);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct http_server *srv = cls;
    struct pending *p = *con_cls;

    if (p == NULL) {
        /* First call: only the headers are in. Refuse an announced oversize body before
         * reading any of it. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > HTTP_MAX_BODY) {
            struct http_response rs = {0};
            http_error(&rs, 413, "the request body is larger than %d bytes", HTTP_MAX_BODY);
            enum MHD_Result ok = send_json(conn, &rs);
            free(rs.body);
            return ok;
        }
        p = calloc(1, sizeof *p);
        if (p == NULL)
            return MHD_NO;
        *con_cls = p;
        return MHD_YES;
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

    struct http_request rq = {.conn = conn, .method = method, .path = url,
                              .body = p->body ? p->body : "", .body_len = p->len};
    struct http_response rs = {0};
    client_address(conn, rq.client);
    srv->handler(srv->ctx, &rq, &rs);
    if (!srv->quiet)
        log_request(rq.client, method, url, rs.status);
    enum MHD_Result ok = send_json(conn, &rs);
    free(rs.body);
    (void)version;
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pending *p = *con_cls;
    if (p) {
        free(p->body);
        free(p);
        *con_cls = NULL;
    }
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
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4,
        MHD_OPTION_CONNECTION_TIMEOUT, opt->timeout_seconds,
        MHD_OPTION_CONNECTION_LIMIT, opt->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, opt->max_per_ip,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    freeaddrinfo(ai);
    if (srv->daemon == NULL) {
        snprintf(err, errlen, "cannot listen on %s (address in use, or not an address of this "
                 "machine?)", opt->listen);
        free(srv);
        return NULL;
    }
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
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
