/* The floor of make bench's server figures: what the HTTP layer alone costs. libmicrohttpd
 * run as dheya-server runs it (server/http.c: a thread per connection, the same flags,
 * connection timeout and connection limit), answering every request with a fixed body and
 * the same headers, with no routing, authentication, database or JSON behind it.
 * tests/bench/bench.py puts it under the same wrk loads as dheya-server, in the same run.
 *
 *     floor_server MEETING_BYTES LIST_BYTES POST_BYTES
 *
 * A GET of a path ending in /meeting gets a JSON body of MEETING_BYTES bytes, any other GET
 * one of LIST_BYTES (the sizes of dheya-server's answers, which bench.py measures first), a
 * POST one of POST_BYTES. It listens on 127.0.0.1, on a free port, prints "listening on
 * http://127.0.0.1:PORT" as dheya-server does, and runs until SIGTERM or SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <microhttpd.h>

struct body {
    char *data;
    size_t len;
};

static struct body meeting, list, post;

/* {"floor":"xxx...x"} and a newline (dheya-server ends its bodies with one), len bytes in
 * all, or the shortest such body when len is smaller. */
static int make_body(struct body *b, const char *arg)
{
    static const char head[] = "{\"floor\":\"", tail[] = "\"}\n";
    size_t fixed = strlen(head) + strlen(tail);
    long n = strtol(arg, NULL, 10);
    b->len = n > (long)fixed ? (size_t)n : fixed;
    b->data = malloc(b->len);
    if (b->data == NULL)
        return -1;
    memcpy(b->data, head, strlen(head));
    memset(b->data + strlen(head), 'x', b->len - fixed);
    memcpy(b->data + b->len - strlen(tail), tail, strlen(tail));
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* libmicrohttpd calls this once the headers are in, then once per piece of a body, then
 * once more: the answer goes out on that last call, as in server/http.c. The response is
 * made for each request, as dheya-server makes it, but over the fixed body (no copy). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    if (*con_cls == NULL) {
        *con_cls = conn; /* any mark: the headers have been seen */
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0; /* the body is read and dropped */
        return MHD_YES;
    }
    const struct body *b = strcmp(method, "GET") != 0 ? &post
                           : ends_with(url, "/meeting") ? &meeting : &list;
    struct MHD_Response *r = MHD_create_response_from_buffer(b->len, b->data,
                                                             MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: floor_server MEETING_BYTES LIST_BYTES POST_BYTES\n");
        return 2;
    }
    if (make_body(&meeting, argv[1]) || make_body(&list, argv[2]) || make_body(&post, argv[3])) {
        fprintf(stderr, "floor_server: out of memory\n");
        return 1;
    }
    /* Blocked before the daemon starts, so that its threads inherit the mask and the
     * signals wait for sigwait below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* dheya-server's defaults: a 10 s timeout, 512 connections and libmicrohttpd's limit a
     * quarter and 8 above them. */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_TIMEOUT, 10u,
        MHD_OPTION_CONNECTION_LIMIT, 512u + 512u / 4 + 8,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "floor_server: cannot listen on 127.0.0.1\n");
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening on http://127.0.0.1:%u\n", di ? di->port : 0);
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    free(meeting.data);
    free(list.data);
    free(post.data);
    return 0;
}
