/* net/http.c in a caller's poll() loop. The test's loop is also the HTTP server: it accepts
 * and answers on a loopback socket between engine dispatches, so an engine that blocked
 * anywhere would deadlock the test instead of passing it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/http.h"

#define MAX_CONNS 16

struct loop {
    int listen_fd, port;
    int conns[MAX_CONNS];
    int nconns;
    bool answer;    /* false: accept and read, but never answer */
    int done;       /* callbacks seen */
    int iterations; /* loop turns, to show the caller keeps control */
    struct http_result results[8];
};

static void on_done(void *ud, const struct http_result *res)
{
    struct loop *l = ud;
    struct http_result *r = &l->results[l->done++];
    *r = *res;
    r->body = strdup(res->body);
}

static void listen_loopback(struct loop *l)
{
    l->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(l->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l->listen_fd, 16), 0);
    socklen_t len = sizeof a;
    getsockname(l->listen_fd, (struct sockaddr *)&a, &len);
    l->port = ntohs(a.sin_port);
}

static void serve(struct loop *l, int fd)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0 || !l->answer)
        return;
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Content-Length: 13\r\nConnection: close\r\n\r\n{\"ok\": true}\n";
    ssize_t w = write(fd, reply, sizeof reply - 1);
    (void)w;
}

/* Runs the loop until `want` callbacks arrived or `seconds` passed. */
static void run_loop(struct http_engine *e, struct loop *l, int want, int seconds)
{
    time_t end = time(NULL) + seconds;
    while (l->done < want && time(NULL) <= end) {
        struct pollfd fds[64];
        int n = http_engine_pollfds(e, fds, 40);
        int base = n;
        fds[n++] = (struct pollfd){.fd = l->listen_fd, .events = POLLIN};
        for (int i = 0; i < l->nconns; i++)
            fds[n++] = (struct pollfd){.fd = l->conns[i], .events = POLLIN};
        int t = http_engine_timeout(e);
        /* The caller's own tick (a timer display, say) bounds the wait, not the engine. */
        if (t < 0 || t > 100)
            t = 100;
        poll(fds, (nfds_t)n, t);
        l->iterations++;
        if (fds[base].revents & POLLIN) {
            int c = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0 && l->nconns < MAX_CONNS)
                l->conns[l->nconns++] = c;
        }
        for (int i = base + 1; i < n; i++)
            if (fds[i].revents & POLLIN)
                serve(l, fds[i].fd);
        http_engine_dispatch(e, fds, base);
    }
}

static void cleanup(struct loop *l)
{
    for (int i = 0; i < l->nconns; i++)
        close(l->conns[i]);
    close(l->listen_fd);
    for (int i = 0; i < l->done; i++)
        free(l->results[i].body);
}

static void concurrent_calls_complete_as_events(void **state)
{
    struct loop l = {.answer = true};
    listen_loopback(&l);
    struct http_config cfg = {.total_timeout_ms = 5000};
    struct http_engine *e = http_engine_new(&cfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/sessions", l.port);
    struct http_request rq = {.method = "GET", .url = url, .token = "t", .idempotent = true};
    for (int i = 0; i < 3; i++)
        assert_true(http_start(e, &rq, on_done, &l));
    assert_int_equal(l.done, 0); /* nothing happens inside http_start */
    assert_int_equal(http_engine_pending(e), 3);
    run_loop(e, &l, 3, 10);
    assert_int_equal(l.done, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(l.results[i].status, NET_OK);
        assert_int_equal(l.results[i].code, 200);
        assert_string_equal(l.results[i].body, "{\"ok\": true}\n");
    }
    assert_int_equal(http_engine_pending(e), 0);
    http_engine_free(e);
    cleanup(&l);
}

static void a_silent_server_times_out_while_the_loop_turns(void **state)
{
    struct loop l = {.answer = false};
    listen_loopback(&l);
    struct http_config cfg = {.total_timeout_ms = 1000};
    struct http_engine *e = http_engine_new(&cfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", l.port);
    struct http_request rq = {.method = "GET", .url = url};
    assert_true(http_start(e, &rq, on_done, &l));
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    run_loop(e, &l, 1, 10);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    assert_int_equal(l.done, 1);
    assert_int_equal(l.results[0].status, NET_TIMEOUT);
    assert_true(secs > 0.8 && secs < 3.0);
    assert_true(l.iterations >= 8); /* the caller's loop kept its 100 ms tick throughout */
    http_engine_free(e);
    cleanup(&l);
}

static void refused_urls_are_reported_at_the_next_dispatch(void **state)
{
    struct loop l = {.listen_fd = -1};
    struct http_config cfg = {0};
    struct http_engine *e = http_engine_new(&cfg);
    struct http_request rq = {.method = "GET", .url = "http://example.com/api"};
    assert_true(http_start(e, &rq, on_done, &l));
    assert_int_equal(l.done, 0);
    assert_int_equal(http_engine_timeout(e), 0);
    http_engine_dispatch(e, NULL, 0);
    assert_int_equal(l.done, 1);
    assert_int_equal(l.results[0].status, NET_REFUSED_URL);
    assert_non_null(strstr(l.results[0].message, "loopback"));
    free(l.results[0].body);
    http_engine_free(e);
}

static void freeing_the_engine_cancels_without_callbacks(void **state)
{
    struct loop l = {.answer = false};
    listen_loopback(&l);
    struct http_config cfg = {0};
    struct http_engine *e = http_engine_new(&cfg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", l.port);
    struct http_request rq = {.method = "POST", .url = url, .body = "{}"};
    assert_true(http_start(e, &rq, on_done, &l));
    http_engine_free(e);
    assert_int_equal(l.done, 0);
    cleanup(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_calls_complete_as_events),
        cmocka_unit_test(a_silent_server_times_out_while_the_loop_turns),
        cmocka_unit_test(refused_urls_are_reported_at_the_next_dispatch),
        cmocka_unit_test(freeing_the_engine_cancels_without_callbacks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
