/* The one event loop of the interactive client (after tmux): poll() over the terminal, the
 * HTTP engine's sockets, a self-pipe that carries signals, extra descriptors (the
 * notification thread's pipe), and the timer's next whole second. Callbacks only change
 * state and mark things dirty; the loop calls draw once per iteration, after every event of
 * that iteration has been handled. Nothing here blocks but poll(). */
#ifndef TUI_LOOP_H
#define TUI_LOOP_H

#include <stdbool.h>
#include <time.h>

#include "net/http.h"
#include "widgets/widget.h"

struct loop_callbacks {
    void (*key)(void *ud, struct key k);  /* a key from the terminal */
    void (*resize)(void *ud);             /* the terminal changed size (already resized) */
    void (*tick)(void *ud, time_t now);   /* a new wall-clock second began */
    void (*signal)(void *ud, int sig);    /* SIGTERM, SIGHUP or SIGINT */
    void (*draw)(void *ud);               /* draw what is dirty, then doupdate() */
    bool (*done)(void *ud);               /* true ends loop_run */
    int (*wake_in)(void *ud);             /* ms until wake is due, -1 for none (may be NULL) */
    void (*wake)(void *ud);               /* every iteration, before draw (may be NULL) */
};

struct loop;

/* Installs the signal handlers (SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGCHLD through a
 * self-pipe). engine may be NULL. Call after initscr(). NULL when out of descriptors. */
struct loop *loop_new(struct http_engine *engine, const struct loop_callbacks *cb, void *ud);
/* Restores the signal dispositions and frees the loop. */
void loop_free(struct loop *l);

/* Watches fd for input; fn runs from the loop when it is readable. At most 4 extra fds. */
bool loop_watch(struct loop *l, int fd, void (*fn)(void *ud, int fd), void *ud);
void loop_unwatch(struct loop *l, int fd);

/* Runs until cb->done says so. */
void loop_run(struct loop *l);

/* Milliseconds since an arbitrary start, from the monotonic clock. */
long long loop_now_ms(void);

#endif
