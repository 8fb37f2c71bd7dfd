#include "tui/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WATCH 4
#define MAX_HTTP_FDS 32

struct watch {
    int fd;
    void (*fn)(void *ud, int fd);
    void *ud;
};

static const int handled_signals[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGCHLD};
#define N_SIGNALS (sizeof handled_signals / sizeof *handled_signals)

struct loop {
    struct http_engine *engine;
    const struct loop_callbacks *cb;
    void *ud;
    struct watch watch[MAX_WATCH];
    int n_watch;
    time_t last_second;
    struct sigaction old[N_SIGNALS];
};


/* The write end is global because a signal handler can reach nothing else. */
static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(signal_pipe[1], &b, 1) < 0) {
        /* A full pipe already holds a wake-up; nothing else to do. */
    }
    errno = saved;
}

long long loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(struct http_engine *engine, const struct loop_callbacks *cb, void *ud)
{
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return NULL;
    struct loop *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->engine = engine;
    l->cb = cb;
    l->ud = ud;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < N_SIGNALS; i++)
        sigaction(handled_signals[i], &sa, &l->old[i]);
    return l;
}

void loop_free(struct loop *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < N_SIGNALS; i++)
        sigaction(handled_signals[i], &l->old[i], NULL);
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    signal_pipe[0] = signal_pipe[1] = -1;
    free(l);
}

bool loop_watch(struct loop *l, int fd, void (*fn)(void *ud, int fd), void *ud)
{
    if (l->n_watch == MAX_WATCH)
        return false;
    l->watch[l->n_watch++] = (struct watch){fd, fn, ud};
    return true;
}

void loop_unwatch(struct loop *l, int fd)
{
    for (int i = 0; i < l->n_watch; i++) {
        if (l->watch[i].fd == fd) {
            l->watch[i] = l->watch[--l->n_watch];
            return;
        }
    }
}

/* Tells curses the new size from the terminal itself (our SIGWINCH handler replaced
 * ncurses' own). */
static void resize_terminal(struct loop *l)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resize_term(ws.ws_row, ws.ws_col);
    if (l->cb->resize)
        l->cb->resize(l->ud);
}

static void read_signals(struct loop *l)
{
    unsigned char buf[64];
    ssize_t n;
    bool resized = false;
    while ((n = read(signal_pipe[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            switch (buf[i]) {
            case SIGWINCH:
                resized = true;
                break;
            case SIGCHLD:
                /* A browser's watcher process (tui/launcher.c) ended: reap whatever did. */
                while (waitpid(-1, NULL, WNOHANG) > 0)
                    ;
                break;
            default:
                if (l->cb->signal)
                    l->cb->signal(l->ud, buf[i]);
                break;
            }
        }
    }
    if (resized)
        resize_terminal(l);
}

static void read_keys(struct loop *l)
{
    wint_t ch;
    int r;
    /* Bounded, so that a paste cannot starve the network or the clock. */
    for (int i = 0; i < 4096 && (r = wget_wch(stdscr, &ch)) != ERR; i++) {
        if (r == KEY_CODE_YES && ch == KEY_RESIZE) {
            resize_terminal(l);
            continue;
        }
        l->cb->key(l->ud, r == KEY_CODE_YES ? key_code((int)ch) : key_char(ch));
        if (l->cb->done(l->ud))
            return;
    }
}

/* Milliseconds until the next whole wall-clock second. */
static int until_next_second(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int)(1000 - ts.tv_nsec / 1000000);
}

void loop_run(struct loop *l)
{
    struct pollfd fds[2 + MAX_WATCH + MAX_HTTP_FDS];
    /* The first tick at once: screens start loading on it, and waiting for the clock's next
     * second delayed the first complete frame by up to a second (make bench). */
    l->last_second = time(NULL);
    if (l->cb->tick)
        l->cb->tick(l->ud, l->last_second);
    l->cb->draw(l->ud);
    while (!l->cb->done(l->ud)) {
        int n = 0;
        fds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
        int first_watch = n;
        for (int i = 0; i < l->n_watch; i++)
            fds[n++] = (struct pollfd){.fd = l->watch[i].fd, .events = POLLIN};
        int first_http = n, n_http = 0, timeout = until_next_second();
        if (l->engine) {
            n_http = http_engine_pollfds(l->engine, fds + n, MAX_HTTP_FDS);
            n += n_http;
            int t = http_engine_timeout(l->engine);
            if (t >= 0 && t < timeout)
                timeout = t;
        }
        if (l->cb->wake_in) {
            int t = l->cb->wake_in(l->ud);
            if (t >= 0 && t < timeout)
                timeout = t;
        }
        int r = poll(fds, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && fds[1].revents)
            read_signals(l);
        if (r > 0 && fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            /* The terminal went away: behave as on SIGHUP. */
            if (l->cb->signal)
                l->cb->signal(l->ud, SIGHUP);
        } else if (r > 0 && fds[0].revents) {
            read_keys(l);
        }
        for (int i = 0; r > 0 && i < l->n_watch; i++) {
            if (fds[first_watch + i].revents && fds[first_watch + i].fd == l->watch[i].fd)
                l->watch[i].fn(l->watch[i].ud, l->watch[i].fd);
        }
        if (l->engine)
            http_engine_dispatch(l->engine, fds + first_http, r > 0 ? n_http : 0);
        time_t now = time(NULL);
        if (now != l->last_second) {
            l->last_second = now;
            if (l->cb->tick)
                l->cb->tick(l->ud, now);
        }
        if (l->cb->wake)
            l->cb->wake(l->ud);
        l->cb->draw(l->ud);
    }
}
