#include "tui/notify.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib.h>
#include <libnotify/notify.h>

#include "tui/sanitize.h"

/* libnotify is loaded on the notification thread for its first notification, not linked:
 * with what it pulls in (gdk-pixbuf, gio, gobject, image libraries) it is 10 of the client's
 * shared objects, which every start would map and relocate before its first frame. The
 * headers stay, so each pointer has the real prototype. The GObject and GDBus calls come
 * through the same handle (libgobject and libgio are libnotify's dependencies), so neither
 * is linked either. */
#define LIBNOTIFY_SONAME "libnotify.so.4"
#define LIBNOTIFY_FUNCS(X) \
    X(notify_init) X(notify_uninit) X(notify_notification_new) \
    X(notify_notification_add_action) X(notify_notification_show) X(g_object_get_data) \
    X(g_object_set_data_full) X(g_object_unref) X(g_signal_connect_data) \
    X(g_signal_handlers_disconnect_matched) X(g_bus_get_sync) X(g_dbus_connection_call_sync)

static struct {
#define X(name) __typeof__(name) *name;
    LIBNOTIFY_FUNCS(X)
#undef X
} ln;

/* Requests waiting for the thread beyond this are dropped: the service is not keeping up,
 * and a reminder shown minutes late is worse than none. */
#define MAX_BACKLOG 16
/* Notifications with a Join action kept alive (their action needs the object) until the
 * service says they closed; the oldest goes beyond this. */
#define MAX_LIVE 32
/* A call to the service that has not returned after this is reported as unavailable. */
#define STUCK_US (3 * G_USEC_PER_SEC)

#define SERVICE_NAME "org.freedesktop.Notifications"
#define SERVICE_PATH "/org/freedesktop/Notifications"

enum req_kind { REQ_SHOW, REQ_STOP };
struct request {
    enum req_kind kind;
    char *summary, *body, *join_id;
};

enum ev_kind { EV_JOIN, EV_UNAVAILABLE, EV_SHOWN };
struct event {
    enum ev_kind kind;
    char *text;
};

/* What the UI thread and the notification thread share; freed by whichever lets go last,
 * since a thread stuck on D-Bus may outlive notify_stop. */
struct shared {
    gint refs;
    GAsyncQueue *requests, *events;
    GMainContext *ctx;
    int pipe[2]; /* the thread writes a byte per event; the UI's loop watches [0] */
    gint pending;         /* requests queued and not yet done */
    gint64 busy_since;    /* monotonic µs when the current D-Bus call began; 0 when idle */
    char *app_name;
    GMutex lock;
    GCond cond;
    bool ended;
};

static void request_free(struct request *rq)
{
    g_free(rq->summary);
    g_free(rq->body);
    g_free(rq->join_id);
    g_free(rq);
}

static void event_free(struct event *ev)
{
    g_free(ev->text);
    g_free(ev);
}

/* The two above as the queues' GDestroyNotify (called through a void * parameter). */
static void request_destroy(gpointer rq)
{
    request_free(rq);
}

static void event_destroy(gpointer ev)
{
    event_free(ev);
}

static void shared_unref(struct shared *sh)
{
    if (!g_atomic_int_dec_and_test(&sh->refs))
        return;
    g_async_queue_unref(sh->requests);
    g_async_queue_unref(sh->events);
    g_main_context_unref(sh->ctx);
    close(sh->pipe[0]);
    close(sh->pipe[1]);
    g_mutex_clear(&sh->lock);
    g_cond_clear(&sh->cond);
    g_free(sh->app_name);
    g_free(sh);
}

/* ---- the notification thread ---- */

struct worker {
    struct shared *sh;
    bool tried, inited; /* libnotify loaded and notify_init called, on the first request */
    bool have_caps;     /* the service's capabilities asked, and these are they: */
    bool actions;       /* buttons on a notification (our Join) */
    bool markup;        /* "body-markup": the service reads a body as markup */
    GQueue live;        /* NotifyNotification with a Join action, oldest first */
};

static void post(struct shared *sh, enum ev_kind kind, const char *text)
{
    struct event *ev = g_new0(struct event, 1);
    ev->kind = kind;
    ev->text = g_strdup(text);
    g_async_queue_push(sh->events, ev);
    if (write(sh->pipe[1], "", 1) < 0) {
        /* A full pipe already holds a wake-up for the events queued. */
    }
}

static void busy(struct shared *sh, bool on)
{
    gint64 v = on ? g_get_monotonic_time() : 0;
    __atomic_store_n(&sh->busy_since, v, __ATOMIC_SEQ_CST);
    /* The UI's loop may have asked notify_check before this call began (the first one
     * waits for libnotify to load): a wake-up makes it ask again and time the call. */
    if (on && write(sh->pipe[1], "", 1) < 0) {
        /* A full pipe already holds a wake-up. */
    }
}

/* g_signal_handlers_disconnect_by_data, a macro around the function looked up. */
static void disconnect(NotifyNotification *n, struct worker *w)
{
    ln.g_signal_handlers_disconnect_matched(n, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, w);
}

static void on_join(NotifyNotification *n, char *action, gpointer ud)
{
    const char *id = ln.g_object_get_data((GObject *)n, "dheya-session");
    if (id)
        post(ud, EV_JOIN, id);
}

static void on_closed(NotifyNotification *n, gpointer ud)
{
    struct worker *w = ud;
    if (g_queue_remove(&w->live, n)) {
        disconnect(n, w);
        ln.g_object_unref(n);
    }
}

static void forget_live(struct worker *w, NotifyNotification *n)
{
    disconnect(n, w);
    ln.g_object_unref(n);
}

/* The service's capabilities, asked once (and again after a failure). Asked here rather
 * than with notify_get_server_caps, which answers NULL both for a service that cannot be
 * reached and for one that has no capabilities at all: the latter shows notifications
 * (plain text, without buttons) and is no reason to say they are unavailable. */
static bool check_caps(struct worker *w)
{
    if (w->have_caps)
        return true;
    GError *err = NULL;
    GVariant *reply = NULL;
    busy(w->sh, true);
    GDBusConnection *bus = ln.g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err);
    if (bus) {
        /* -1: GDBus's default timeout (25 s), as libnotify's own calls have. */
        reply = ln.g_dbus_connection_call_sync(bus, SERVICE_NAME, SERVICE_PATH, SERVICE_NAME,
                                               "GetCapabilities", NULL,
                                               G_VARIANT_TYPE("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                               -1, NULL, &err);
        ln.g_object_unref(bus);
    }
    busy(w->sh, false);
    if (reply == NULL) {
        char *why = g_strdup_printf("no notification service answers on the D-Bus session "
                                    "bus (%s)", err ? err->message : "no reason given");
        post(w->sh, EV_UNAVAILABLE, why);
        g_free(why);
        g_clear_error(&err);
        return false;
    }
    const char **caps = NULL;
    g_variant_get(reply, "(^a&s)", &caps);
    w->actions = g_strv_contains(caps, "actions");
    w->markup = g_strv_contains(caps, "body-markup");
    g_free(caps);
    g_variant_unref(reply);
    w->have_caps = true;
    return true;
}

static void show(struct worker *w, const struct request *rq)
{
    if (!check_caps(w))
        return;
    /* A service with body-markup reads the body as markup, so that "<b>" or "&amp;" in a
     * name would be rendered; one without shows the body as it comes, escapes included. */
    char *body = w->markup ? g_markup_escape_text(rq->body, -1) : g_strdup(rq->body);
    NotifyNotification *n = ln.notify_notification_new(rq->summary, body, NULL);
    g_free(body);
    bool with_action = rq->join_id && w->actions;
    if (with_action) {
        ln.g_object_set_data_full((GObject *)n, "dheya-session", g_strdup(rq->join_id),
                                  g_free);
        ln.notify_notification_add_action(n, "join", "Join", on_join, w->sh, NULL);
    }
    GError *err = NULL;
    busy(w->sh, true);
    gboolean ok = ln.notify_notification_show(n, &err);
    busy(w->sh, false);
    if (!ok) {
        char *why = g_strdup_printf("the notification service failed: %s",
                                    err ? err->message : "no reason given");
        post(w->sh, EV_UNAVAILABLE, why);
        g_free(why);
        g_clear_error(&err);
        ln.g_object_unref(n);
        w->have_caps = false;
        return;
    }
    post(w->sh, EV_SHOWN, NULL);
    if (!with_action) {
        ln.g_object_unref(n);
        return;
    }
    ln.g_signal_connect_data(n, "closed", G_CALLBACK(on_closed), w, NULL, 0);
    g_queue_push_tail(&w->live, n);
    if (w->live.length > MAX_LIVE)
        forget_live(w, g_queue_pop_head(&w->live));
}

/* Loads libnotify and fills ln, once per process; NULL when it cannot be loaded. It stays
 * loaded: the type it registers with GObject (whose library is never unloaded) points at its
 * code, and a thread stuck on D-Bus may still be in it. */
static gpointer load_libnotify(gpointer unused)
{
    void *h = dlopen(LIBNOTIFY_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return NULL;
#define X(name) \
    if ((ln.name = (__typeof__(ln.name))dlsym(h, #name)) == NULL) \
        goto missing;
    LIBNOTIFY_FUNCS(X)
#undef X
    return h;
missing:
    dlclose(h); /* nothing of it ran */
    return NULL;
}

/* Loads and starts libnotify when the first notification comes, not when the thread
 * starts: a client that shows none (most starts) never maps it, and the first frame does not
 * share the CPUs with the loading. Tried once; false when it cannot be used. */
static bool ready(struct worker *w)
{
    static GOnce loaded = G_ONCE_INIT;
    if (w->tried)
        return w->inited;
    w->tried = true;
    if (g_once(&loaded, load_libnotify, NULL) == NULL)
        post(w->sh, EV_UNAVAILABLE, "libnotify is not installed");
    else if (!(w->inited = ln.notify_init(w->sh->app_name)))
        post(w->sh, EV_UNAVAILABLE, "libnotify cannot start");
    return w->inited;
}

static gpointer thread_main(gpointer data)
{
    struct worker w = {.sh = data};
    struct shared *sh = w.sh;
    g_queue_init(&w.live);
    g_main_context_push_thread_default(sh->ctx);
    for (bool stop = false; !stop;) {
        struct request *rq;
        while ((rq = g_async_queue_try_pop(sh->requests))) {
            if (rq->kind == REQ_STOP)
                stop = true;
            else if (!stop && ready(&w))
                show(&w, rq);
            request_free(rq);
            g_atomic_int_add(&sh->pending, -1);
        }
        if (!stop)
            g_main_context_iteration(sh->ctx, TRUE);
    }
    while (w.live.length)
        forget_live(&w, g_queue_pop_head(&w.live));
    if (w.inited)
        ln.notify_uninit();
    /* Sources libnotify left behind (its proxy's signal subscriptions) run down here. */
    while (g_main_context_iteration(sh->ctx, FALSE))
        ;
    g_main_context_pop_thread_default(sh->ctx);
    g_mutex_lock(&sh->lock);
    sh->ended = true;
    g_cond_signal(&sh->cond);
    g_mutex_unlock(&sh->lock);
    shared_unref(sh);
    return NULL;
}

/* ---- the UI side ---- */

static struct {
    struct shared *sh;
    GThread *thread;
    struct notify_hooks hooks;
    void *ud;
    bool said_unavailable;
} ui;

bool notify_start(const char *app_name, const struct notify_hooks *hooks, void *ud)
{
    if (ui.sh)
        return true;
    struct shared *sh = g_new0(struct shared, 1);
    if (pipe2(sh->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        g_free(sh);
        return false;
    }
    sh->refs = 2; /* the UI and the thread */
    /* Whatever is still queued when the last of the two lets go is freed with the queues: a
     * thread that outlived notify_stop (stuck on D-Bus) may post after the UI drained. */
    sh->requests = g_async_queue_new_full(request_destroy);
    sh->events = g_async_queue_new_full(event_destroy);
    sh->ctx = g_main_context_new();
    sh->app_name = g_strdup(app_name);
    g_mutex_init(&sh->lock);
    g_cond_init(&sh->cond);
    /* Signals stay with the UI thread's loop: the thread (and the GDBus thread it starts)
     * inherit a mask that blocks them all. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    GThread *t = g_thread_try_new("notify", thread_main, sh, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (t == NULL) {
        sh->refs = 1;
        shared_unref(sh);
        return false;
    }
    ui.sh = sh;
    ui.thread = t;
    ui.hooks = *hooks;
    ui.ud = ud;
    ui.said_unavailable = false;
    return true;
}

static void push(struct request *rq)
{
    g_atomic_int_add(&ui.sh->pending, 1);
    g_async_queue_push(ui.sh->requests, rq);
    g_main_context_wakeup(ui.sh->ctx);
}

void notify_stop(void)
{
    struct shared *sh = ui.sh;
    if (sh == NULL)
        return;
    struct request *rq = g_new0(struct request, 1);
    rq->kind = REQ_STOP;
    push(rq);
    gint64 deadline = g_get_monotonic_time() + G_USEC_PER_SEC / 5;
    g_mutex_lock(&sh->lock);
    while (!sh->ended && g_cond_wait_until(&sh->cond, &sh->lock, deadline))
        ;
    bool ended = sh->ended;
    g_mutex_unlock(&sh->lock);
    if (ended)
        g_thread_join(ui.thread);
    else
        g_thread_unref(ui.thread); /* stuck on D-Bus: it ends with the process */
    shared_unref(sh); /* events not dispatched go with the queue */
    ui.sh = NULL;
    ui.thread = NULL;
}

int notify_fd(void)
{
    return ui.sh ? ui.sh->pipe[0] : -1;
}

static void unavailable(const char *why)
{
    if (ui.said_unavailable)
        return;
    ui.said_unavailable = true;
    if (ui.hooks.unavailable)
        ui.hooks.unavailable(ui.ud, why);
}

void notify_dispatch(void)
{
    if (ui.sh == NULL)
        return;
    char buf[64];
    while (read(ui.sh->pipe[0], buf, sizeof buf) > 0)
        ;
    struct event *ev;
    while (ui.sh && (ev = g_async_queue_try_pop(ui.sh->events))) {
        switch (ev->kind) {
        case EV_JOIN:
            if (ui.hooks.join)
                ui.hooks.join(ui.ud, ev->text);
            break;
        case EV_UNAVAILABLE:
            unavailable(ev->text);
            break;
        case EV_SHOWN:
            ui.said_unavailable = false;
            break;
        }
        event_free(ev);
    }
}

int notify_check(void)
{
    if (ui.sh == NULL)
        return -1;
    gint64 since = __atomic_load_n(&ui.sh->busy_since, __ATOMIC_SEQ_CST);
    if (since == 0)
        return -1;
    gint64 left = since + STUCK_US - g_get_monotonic_time();
    if (left > 0)
        return (int)(left / 1000) + 1;
    unavailable("the notification service does not answer");
    return -1;
}

void notify_send(const char *summary, const char *body, const char *join_id)
{
    if (ui.sh == NULL || g_atomic_int_get(&ui.sh->pending) >= MAX_BACKLOG)
        return;
    struct request *rq = g_new0(struct request, 1);
    char *s = sanitize(summary, SANITIZE_LINE);
    rq->kind = REQ_SHOW;
    rq->summary = g_strdup(s ? s : "");
    free(s);
    char *b = sanitize(body, SANITIZE_MULTILINE);
    rq->body = g_strdup(b ? b : "");
    free(b);
    rq->join_id = g_strdup(join_id);
    push(rq);
}
