/* The HTTP front end: libmicrohttpd with bounded bodies, connection limits and a bound on
 * the time a request may take. It collects each request whole, hands it to one handler, and
 * sends back a JSON answer. */
#ifndef SERVER_HTTP_H
#define SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define HTTP_MAX_BODY (64 * 1024)

struct http_request {
    void *conn; /* the libmicrohttpd connection, for http_header/http_query */
    const char *method, *path;
    const char *body; /* NUL-terminated, body_len bytes (may contain NULs) */
    size_t body_len;
    char client[64]; /* the peer's IP address */
};

struct http_response {
    int status;
    char *body; /* JSON text, owned by the response */
    unsigned retry_after; /* seconds; sent as Retry-After when non-zero */
    const char *allow;    /* sent as Allow (405) when set */
};

/* A request header's value, or NULL. */
const char *http_header(const struct http_request *rq, const char *name);
/* A query-string argument's value (decoded), or NULL. */
const char *http_query(const struct http_request *rq, const char *name);

/* Copies n bytes of s into out (outlen bytes, NUL-terminated, cut short if too small) with
 * every byte outside printable ASCII, and the backslash, written as \xHH: client text made
 * safe for a terminal and for a JSON string. */
void http_escape(const char *s, size_t n, char *out, size_t outlen);

/* Sets the answer to obj serialized (the reference is stolen). */
void http_json(struct http_response *rs, int status, json_t *obj);
/* Sets the answer to {"error": message}. */
void http_error(struct http_response *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef void (*http_handler)(void *ctx, const struct http_request *rq, struct http_response *rs);

struct http_options {
    const char *listen;       /* HOST:PORT, port 0 picks a free one */
    /* A client has this long to send a request whole (headers and body; on a kept-alive
     * connection, from the end of the previous answer) and again to take its answer. */
    unsigned timeout_seconds;
    /* Past either limit the connection waiting longest for its request is closed. */
    unsigned max_connections, max_per_ip;
    bool quiet;               /* no request log on stderr */
};

struct http_server;

/* Starts serving, on a thread per connection. On success *url is "http://HOST:PORT" with
 * the bound port (caller frees); on failure NULL with err set. */
struct http_server *http_start(const struct http_options *opt, http_handler handler, void *ctx,
                               char **url, char *err, size_t errlen);
/* Stops accepting, finishes the requests under way, frees everything. */
void http_stop(struct http_server *srv);

#endif
