/* remind: a poll() loop of its own (tui/loop.c reads keys from a terminal, which a systemd
 * service has none of) over a signal self-pipe, the notification thread's pipe and the
 * engine's sockets. */
#include "tui/cmd_remind.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "tui/alerts.h"
#include "tui/join.h"
#include "tui/jointime.h"
#include "tui/notify.h"
#include "tui/outbox.h"
#include "tui/sanitize.h"

#define FLUSH_SECONDS 60
#define MAX_HTTP_FDS 32

struct remind {
    struct cmd_context *ctx;
    struct outbox_flush *flush;
    bool stop;
    int status;
    bool loaded;      /* a refresh succeeded */
    bool load_failed; /* the last refresh failed: said once, until one succeeds */
    struct pending_join *joins; /* Join actions waiting for the meeting route */
};

static int signal_pipe[2] = {-1, -1};
static const int handled[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
#define N_HANDLED (int)(sizeof handled / sizeof *handled)

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(signal_pipe[1], &b, 1) < 0) {
        /* A full pipe already holds a wake-up. */
    }
    errno = saved;
}

/* One line to stderr (the journal, under systemd), sanitized. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *raw = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *line = sanitize(raw, SANITIZE_LINE);
    fprintf(stderr, "dheya-meet remind: %s\n", line ? line : "");
    free(line);
    g_free(raw);
}

/* ---- the hooks ---- */

/* A Join action waiting for the platform's answer about its session. */
struct pending_join {
    struct remind *r;
    char *id;
    char *mentee;    /* from the list, for the notifications; may be NULL */
    char *known_url; /* the list's link (join_url), or NULL */
    time_t known_start; /* the list's start of the session, or 0 */
    struct pending_join *next;
};

static void pending_free(struct pending_join *pj)
{
    g_free(pj->id);
    g_free(pj->mentee);
    g_free(pj->known_url);
    g_free(pj);
}

static void pending_unlink(struct pending_join *pj)
{
    for (struct pending_join **p = &pj->r->joins; *p; p = &(*p)->next) {
        if (*p == pj) {
            *p = pj->next;
            return;
        }
    }
}

/* Nothing opened for the Join action: the mentor clicked and waits for a browser, so the
 * reason goes where they look, a notification, as well as to the log. */
static void cannot_join(const struct pending_join *pj, const char *mentee, const char *why)
{
    say("join %s: cannot join: %s", pj->id, why);
    char *summary = mentee && *mentee ? g_strdup_printf("Cannot join the session with %s",
                                                        mentee)
                                      : g_strdup("Cannot join the session");
    char *body = g_strdup_printf("%s.", why);
    body[0] = g_ascii_toupper(body[0]);
    notify_send(summary, body, NULL);
    g_free(body);
    g_free(summary);
}

/* The join time recorded, so that the room's timer counts from it (first: a browser that
 * starts at once may be told the time), and the browser started on url, or the URL shown. */
static void open_url(const struct pending_join *pj, const char *url, time_t scheduled_at)
{
    if (jointime_for(jointime_get(pj->id), scheduled_at) == 0) {
        char err[300];
        if (!jointime_set(pj->id, time(NULL), err, sizeof err))
            say("the join time is not saved: %s", err);
    }
    char msg[800];
    enum join_outcome o = join_launch(url, pj->r->ctx->cfg->browser, msg, sizeof msg, NULL);
    say("join %s: %s", pj->id, msg);
    if (o == JOIN_SHOW_URL)
        notify_send("Open the meeting in your browser", url, NULL);
}

static void on_meeting(void *ud, struct api_result *res)
{
    struct pending_join *pj = ud;
    pending_unlink(pj);
    char msg[800];
    if (res && res->status == NET_OK) {
        char *url = join_url(&res->meeting, msg, sizeof msg);
        if (url)
            open_url(pj, url, res->meeting.scheduled_at);
        else
            cannot_join(pj, res->meeting.user.name, msg);
        g_free(url);
    } else if (res && net_status_is_transient(res->status) && pj->known_url) {
        /* The meeting itself is at the provider: a platform down or overloaded for the
         * moment does not keep the mentor out of a meeting whose link is known. */
        say("join %s: no answer from the platform (%s); opening the link from the last list",
            pj->id, res->message);
        open_url(pj, pj->known_url, pj->known_start);
    } else {
        snprintf(msg, sizeof msg, "the platform did not give the meeting: %s",
                 res ? res->message : "out of memory");
        cannot_join(pj, pj->mentee, msg);
    }
    api_result_free(res);
    pending_free(pj);
}

/* The Join action, as the room's Enter: the meeting asked of the platform again (the route
 * is "get or create", so a link the provider failed to make at booking is tried again, and
 * a cancellation since the last list is seen), then opened. */
static void on_join(void *ud, const char *id, const struct meeting *m)
{
    struct remind *r = ud;
    for (struct pending_join *p = r->joins; p; p = p->next) {
        if (strcmp(p->id, id) == 0) {
            say("join %s: already asking the platform for the meeting", id);
            return;
        }
    }
    struct pending_join *pj = g_new0(struct pending_join, 1);
    pj->r = r;
    pj->id = g_strdup(id);
    if (m) {
        char msg[800];
        pj->mentee = g_strdup(m->user.name);
        pj->known_url = join_url(m, msg, sizeof msg);
        pj->known_start = m->scheduled_at;
    }
    struct api_call call = {.kind = API_MEETING, .session_id = id};
    if (!api_start(r->ctx->api, &call, on_meeting, pj)) {
        cannot_join(pj, pj->mentee, "out of memory");
        pending_free(pj);
        return;
    }
    pj->next = r->joins;
    r->joins = pj;
    say("join %s: asking the platform for the meeting", id);
}

static void on_unavailable(void *ud, const char *why)
{
    say("desktop notifications are unavailable: %s", why);
}

static void on_loaded(void *ud, const struct api_result *res)
{
    struct remind *r = ud;
    if (res && res->status == NET_OK) {
        if (!r->loaded || r->load_failed)
            say("%zu session%s loaded", res->sessions.n, res->sessions.n == 1 ? "" : "s");
        r->loaded = true;
        r->load_failed = false;
        return;
    }
    if (!r->load_failed)
        say("cannot load the sessions: %s; reminders go on from the last list",
            res ? res->message : "out of memory");
    r->load_failed = true;
    if (res && res->status == NET_UNAUTHORIZED) {
        say("the platform rejected the token: check DHEYA_TOKEN, or token / token_file in the "
            "config file");
        r->status = EXIT_TOKEN;
        r->stop = true;
    }
}

static void on_sent(void *ud, const char *summary, const char *body)
{
    const char *nl = strchr(body, '\n');
    say("notified: %s: %.*s", summary, nl ? (int)(nl - body) : (int)strlen(body), body);
}

/* ---- the outbox ---- */

static void on_flushed(void *ud, const struct outbox_report *rep)
{
    struct remind *r = ud;
    r->flush = NULL;
    if (rep->sent)
        alerts_delivered(rep->sent);
    if (rep->token_rejected)
        say("the platform rejected the token; queued submissions wait");
}

static void on_note(void *ud, const char *line)
{
    say("outbox: %s", line);
}

static void flush(struct remind *r)
{
    if (r->flush)
        return;
    const struct config *cfg = r->ctx->cfg;
    r->flush = outbox_flush_start(r->ctx->api, cfg->api_url, cfg->token, on_flushed, on_note,
                                  r, NULL);
}

/* ---- the loop ---- */

static long long realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool read_signals(struct remind *r)
{
    unsigned char buf[64];
    ssize_t n;
    while ((n = read(signal_pipe[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == SIGCHLD) {
                /* Browsers are started detached; reap whatever ended. */
                while (waitpid(-1, NULL, WNOHANG) > 0)
                    ;
            } else {
                say("stopping (signal %d)", buf[i]);
                r->stop = true;
            }
        }
    }
    return r->stop;
}

static void run(struct remind *r)
{
    struct http_engine *engine = r->ctx->engine;
    time_t due = 0, flush_at = 0;
    while (!r->stop) {
        time_t now = time(NULL);
        if (now >= due) {
            alerts_tick(now);
            due = alerts_next(now);
        }
        if (now >= flush_at) {
            flush(r);
            flush_at = now + FLUSH_SECONDS;
        }
        if (due <= now)
            due = now + 1;
        long long until = (long long)(due < flush_at ? due : flush_at) * 1000 - realtime_ms();
        int timeout = until < 0 ? 0 : until > 60000 ? 60000 : (int)until;
        int t = http_engine_timeout(engine);
        if (t >= 0 && t < timeout)
            timeout = t;
        t = notify_check();
        if (t >= 0 && t < timeout)
            timeout = t;
        struct pollfd fds[2 + MAX_HTTP_FDS];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = alerts_fd(), .events = POLLIN};
        int first_http = n;
        int n_http = http_engine_pollfds(engine, fds + n, MAX_HTTP_FDS);
        n += n_http;
        int ready = poll(fds, (nfds_t)n, timeout);
        if (ready < 0 && errno != EINTR) {
            say("poll: %s", strerror(errno));
            r->status = EXIT_FAIL;
            break;
        }
        if (ready > 0 && fds[0].revents && read_signals(r))
            break;
        if (ready > 0 && fds[1].revents)
            alerts_dispatch();
        http_engine_dispatch(engine, fds + first_http, ready > 0 ? n_http : 0);
        /* A refresh may have brought a session whose reminder is due sooner. */
        time_t next = alerts_next(time(NULL));
        if (next < due)
            due = next;
    }
}

int cmd_remind(struct cmd_context *ctx)
{
    const struct config *cfg = ctx->cfg;
    if (!cfg->notify) {
        fprintf(stderr, "dheya-meet: remind has nothing to do: notifications are off "
                "(--no-notify, or notify = no in the config file)\n");
        return EXIT_USAGE;
    }
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        fprintf(stderr, "dheya-meet: remind: %s\n", strerror(errno));
        return EXIT_FAIL;
    }
    struct sigaction sa = {.sa_handler = on_signal}, old[N_HANDLED];
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < N_HANDLED; i++)
        sigaction(handled[i], &sa, &old[i]);
    struct remind r = {.ctx = ctx, .status = EXIT_OK};
    static const struct alerts_hooks hooks = {
        .join = on_join, .unavailable = on_unavailable, .loaded = on_loaded, .sent = on_sent};
    if (alerts_start(cfg, ctx->api, &hooks, &r)) {
        GString *marks = g_string_new(NULL);
        for (int i = 0; i < cfg->n_remind; i++)
            g_string_append_printf(marks, "%s%d", i ? ", " : "", cfg->remind[i]);
        say("watching the sessions on %s; reminders %s min before", cfg->api_url,
            cfg->n_remind ? marks->str : "(none)");
        g_string_free(marks, TRUE);
        run(&r);
        if (r.flush)
            outbox_flush_cancel(r.flush);
        while (r.joins) {
            struct pending_join *pj = r.joins;
            r.joins = pj->next;
            api_cancel(ctx->api, pj);
            pending_free(pj);
        }
        alerts_stop();
    } else {
        fprintf(stderr, "dheya-meet: remind: cannot start the notification thread\n");
        r.status = EXIT_FAIL;
    }
    for (int i = 0; i < N_HANDLED; i++)
        sigaction(handled[i], &old[i], NULL);
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    signal_pipe[0] = signal_pipe[1] = -1;
    return r.status;
}
