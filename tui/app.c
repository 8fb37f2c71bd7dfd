#include "tui/app.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "themes/theme.h"
#include "tui/alerts.h"
#include "tui/crash.h"
#include "tui/loop.h"
#include "tui/outbox.h"
#include "tui/screens.h"
#include "widgets/cells.h"
#include "widgets/draw.h"
#include "widgets/help.h"
#include "widgets/keybar.h"

#define MAX_SCREENS 8
#define STATUS_FADE_SECONDS 6
#define SLOW_ANSWER_SECONDS 2 /* an answer this late is shown as awaited in the title */

/* An API call in flight; owner NULL once forgotten. */
struct call_ref {
    struct app *app;
    void *owner;
    app_call_fn done;
    time_t started;
    struct call_ref *next;
};

struct app {
    struct call_ref *calls;
    const struct config *cfg;
    struct http_engine *engine;
    struct api *api;
    struct loop *loop;
    struct screen *stack[MAX_SCREENS];
    int depth;
    struct keybar *keybar;       /* for the top screen */
    struct widget *overlay;      /* a dialog or the help, or NULL */
    struct dialog *dialog;       /* the overlay, when it is a dialog */
    char status[512];
    enum app_status_kind status_kind;
    time_t status_at;
    bool quit;
    int exit_status;
    /* What needs drawing. */
    bool layout_needed, clear_needed, title_dirty, status_dirty;
    bool too_small;
    /* Keys typed while the terminal is too small: they wait, and are handled in order once
     * it is big enough again, so that nothing typed is lost (Ctrl-C still quits at once). */
    struct key held[256];
    int n_held;
    int clock_minute;
    GString *raw; /* bytes to write after the next frame */
    long long wake_at; /* 0: none */
    struct outbox_flush *flush; /* running, or NULL */
    bool flush_again;           /* asked for while one ran: another follows it */
    /* Per screen of the stack: it cannot reach the platform and tries again then; 0 while
     * it answers (or it never asks). The title shows the top screen's. */
    time_t offline_retry[MAX_SCREENS];
    char title_state[64];       /* what the title line shows of the platform now */
    char notify_note[300]; /* "notifications are unavailable", waiting for a quiet status line */
};

const struct config *app_config(const struct app *a)
{
    return a->cfg;
}

struct api *app_api(struct app *a)
{
    return a->api;
}

static struct screen *top(const struct app *a)
{
    return a->depth ? a->stack[a->depth - 1] : NULL;
}

static void call_done(void *ud, struct api_result *res)
{
    struct call_ref *r = ud, **p;
    struct app *a = r->app;
    for (p = &a->calls; *p && *p != r; p = &(*p)->next)
        ;
    if (*p)
        *p = r->next;
    if (r->owner)
        r->done(r->owner, res);
    else
        api_result_free(res);
    free(r);
}

bool app_call(struct app *a, const struct api_call *call, app_call_fn done, void *owner)
{
    struct call_ref *r = malloc(sizeof *r);
    if (r == NULL)
        return false;
    *r = (struct call_ref){a, owner, done, time(NULL), a->calls};
    if (!api_start(a->api, call, call_done, r)) {
        free(r);
        return false;
    }
    a->calls = r;
    return true;
}

void app_forget(struct app *a, void *owner)
{
    for (struct call_ref *r = a->calls; r; r = r->next)
        if (r->owner == owner)
            r->owner = NULL;
}

void app_redraw(struct app *a)
{
    a->layout_needed = a->clear_needed = true;
    a->title_dirty = a->status_dirty = true;
}

static void set_keybar(struct app *a)
{
    widget_destroy(a->keybar ? keybar_widget(a->keybar) : NULL);
    a->keybar = NULL;
    struct screen *s = top(a);
    if (s)
        a->keybar = keybar_new(s->cls->keys, s->cls->n_keys);
}

void app_push(struct app *a, struct screen *s)
{
    if (a->depth == MAX_SCREENS) {
        s->cls->destroy(s);
        return;
    }
    s->app = a;
    a->offline_retry[a->depth] = 0;
    a->stack[a->depth++] = s;
    set_keybar(a);
    app_redraw(a);
}

static void close_overlay(struct app *a)
{
    widget_destroy(a->overlay);
    a->overlay = NULL;
    a->dialog = NULL;
    app_redraw(a);
}

void app_pop(struct app *a)
{
    if (a->depth == 0)
        return;
    if (a->overlay)
        close_overlay(a);
    struct screen *s = a->stack[--a->depth];
    s->cls->destroy(s);
    if (a->depth == 0) {
        a->quit = true;
        return;
    }
    set_keybar(a);
    app_redraw(a);
    struct screen *t = top(a);
    if (t->cls->on_resume)
        t->cls->on_resume(t);
}

void app_quit(struct app *a)
{
    a->quit = true;
}

void app_status(struct app *a, enum app_status_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->status, sizeof a->status, fmt, ap);
    va_end(ap);
    a->status_kind = kind;
    a->status_at = time(NULL);
    a->status_dirty = true;
}

bool app_status_busy(const struct app *a)
{
    return a->status[0] && a->status_kind != APP_PROGRESS &&
           time(NULL) - a->status_at < STATUS_FADE_SECONDS;
}

void app_status_done(struct app *a)
{
    if (a->status_kind == APP_PROGRESS && a->status[0]) {
        a->status[0] = '\0';
        a->status_dirty = true;
    }
}

void app_dialog(struct app *a, struct dialog *d)
{
    if (a->overlay)
        close_overlay(a);
    a->dialog = d;
    a->overlay = dialog_widget(d);
    app_redraw(a);
}

void app_help(struct app *a)
{
    struct screen *s = top(a);
    if (s == NULL)
        return;
    if (a->overlay)
        close_overlay(a);
    char title[64];
    snprintf(title, sizeof title, "Keys: %s", s->cls->name);
    struct help *h = help_new(title, s->cls->keys, s->cls->n_keys);
    a->overlay = h ? help_widget(h) : NULL;
    app_redraw(a);
}

void app_write_raw(struct app *a, const char *bytes)
{
    g_string_append(a->raw, bytes);
}

/* ---- drawing ---- */

/* What the title line says of the platform: offline and when it is tried again, or an
 * answer that is slow to come (the server hung, or a slow network), or nothing. */
static void platform_state(const struct app *a, time_t now, char *out, size_t outlen)
{
    time_t oldest = 0;
    for (const struct call_ref *r = a->calls; r; r = r->next)
        if (r->owner && (oldest == 0 || r->started < oldest))
            oldest = r->started;
    long waited = oldest ? (long)(now - oldest) : 0;
    time_t retry = a->depth ? a->offline_retry[a->depth - 1] : 0;
    if (retry && waited >= 1)
        snprintf(out, outlen, "offline, trying again, %ld s", waited);
    else if (retry)
        snprintf(out, outlen, "offline, retrying in %ld s", retry > now ? (long)(retry - now)
                                                                         : 0L);
    else if (waited >= SLOW_ANSWER_SECONDS)
        snprintf(out, outlen, "awaiting an answer, %ld s", waited);
    else
        out[0] = '\0';
}

static void draw_title(struct app *a)
{
    int cols = COLS;
    wattrset(stdscr, theme_attr(THEME_TITLE));
    mvwhline(stdscr, 0, 0, ' ', cols);
    struct screen *s = top(a);
    char left[128];
    snprintf(left, sizeof left, " dheya-meet \u2502 %s", s ? s->cls->name : "");
    mvwaddstr(stdscr, 0, 0, left);
    char right[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(right, sizeof right, "%a %d %b %H:%M %Z ", &tm);
    /* The platform's state goes before the clock; where both do not fit, the clock gives
     * way (the state is what the mentor must not miss). */
    platform_state(a, now, a->title_state, sizeof a->title_state);
    int lw = (int)cells_width(left), sw = (int)cells_width(a->title_state);
    int w = (int)cells_width(right);
    if (sw && lw + 2 + sw + 2 + w > cols)
        w = 0;
    if (w && lw + w < cols)
        mvwaddstr(stdscr, 0, cols - w, right);
    if (sw && lw + 2 + sw + 2 + w <= cols)
        draw_text(stdscr, 0, cols - w - sw - 2, sw, a->title_state,
                  theme_attr(a->depth && a->offline_retry[a->depth - 1] ? THEME_ERROR
                                                                        : THEME_TITLE));
    a->clock_minute = tm.tm_min;
    a->title_dirty = false;
}

static void draw_status(struct app *a)
{
    int y = LINES - 2;
    static const enum theme_slot slot[] = {
        [APP_INFO] = THEME_STATUS, [APP_OK] = THEME_OK, [APP_ERROR] = THEME_ERROR,
        [APP_PROGRESS] = THEME_STATUS};
    wattrset(stdscr, theme_attr(THEME_STATUS));
    mvwhline(stdscr, y, 0, ' ', COLS);
    if (a->status[0])
        draw_text(stdscr, y, 1, COLS - 1, a->status, theme_attr(slot[a->status_kind]));
    a->status_dirty = false;
}

static void draw_too_small(void)
{
    wattrset(stdscr, theme_attr(THEME_NORMAL));
    werase(stdscr);
    char msg[80];
    snprintf(msg, sizeof msg, "terminal too small (need %dx%d); keys wait, Ctrl-C quits",
             APP_MIN_COLS, APP_MIN_LINES);
    if ((int)strlen(msg) > COLS)
        snprintf(msg, sizeof msg, "terminal too small (need %dx%d)", APP_MIN_COLS,
                 APP_MIN_LINES);
    int w = (int)strlen(msg);
    if (w > COLS) {
        snprintf(msg, sizeof msg, "too small");
        w = (int)strlen(msg);
    }
    mvwaddnstr(stdscr, LINES / 2, w < COLS ? (COLS - w) / 2 : 0, msg, COLS);
}

static void layout(struct app *a)
{
    a->too_small = COLS < APP_MIN_COLS || LINES < APP_MIN_LINES;
    a->layout_needed = false;
    if (a->too_small)
        return;
    struct screen *s = top(a);
    if (s)
        s->cls->layout(s, 1, LINES - 3, COLS);
    if (a->keybar)
        widget_place(keybar_widget(a->keybar), LINES - 1, 0, 1, COLS);
    if (a->overlay)
        widget_place(a->overlay, 1, 0, LINES - 3, COLS);
}

static void on_key(void *ud, struct key k);

static void on_draw(void *ud)
{
    struct app *a = ud;
    if (a->quit)
        return;
    if (a->layout_needed)
        layout(a);
    if (!a->too_small && a->n_held) {
        int n = a->n_held;
        a->n_held = 0;
        for (int i = 0; i < n && !a->quit && !a->too_small; i++)
            on_key(a, a->held[i]);
        if (a->quit)
            return;
        if (a->layout_needed)
            layout(a);
    }
    bool all = a->clear_needed;
    if (all) {
        wattrset(stdscr, theme_attr(THEME_NORMAL));
        werase(stdscr);
        a->clear_needed = false;
    }
    if (a->too_small) {
        draw_too_small();
    } else {
        if (all || a->title_dirty)
            draw_title(a);
        struct screen *s = top(a);
        if (s)
            s->cls->draw(s, stdscr, all);
        if (all || a->status_dirty)
            draw_status(a);
        if (a->keybar && s && s->cls->offers)
            for (size_t i = 0; i < s->cls->n_keys; i++)
                keybar_hide(a->keybar, s->cls->keys[i].action,
                            !s->cls->offers(s, s->cls->keys[i].action));
        if (a->keybar && (all || keybar_widget(a->keybar)->dirty))
            widget_draw(keybar_widget(a->keybar), stdscr, false);
        if (a->overlay)
            widget_draw(a->overlay, stdscr, true);
    }
    int y, x;
    struct screen *s = top(a);
    if (!a->too_small && !a->overlay && s && s->cls->cursor && s->cls->cursor(s, &y, &x)) {
        curs_set(1);
        wmove(stdscr, y, x);
    } else {
        curs_set(0);
    }
    wnoutrefresh(stdscr);
    doupdate();
    if (a->raw->len) {
        if (write(STDOUT_FILENO, a->raw->str, a->raw->len) < 0) {
            /* The terminal is gone; the loop hears of it as a hang-up. */
        }
        g_string_truncate(a->raw, 0);
    }
}

/* ---- events ---- */

static void ask_quit(struct app *a)
{
    struct screen *s = top(a);
    if (s && s->cls->can_leave && !s->cls->can_leave(s))
        return; /* the screen asked the mentor itself */
    app_pop(a);
}

static void on_key(void *ud, struct key k)
{
    struct app *a = ud;
    if (a->too_small) {
        if (key_id(k) == CTRL('c'))
            a->quit = true;
        else if (a->n_held < (int)(sizeof a->held / sizeof *a->held))
            a->held[a->n_held++] = k;
        else
            beep(); /* more than a screenful typed blind: say that this one is not kept */
        return;
    }
    if (key_id(k) == CTRL('l')) {
        clearok(curscr, TRUE);
        app_redraw(a);
        return;
    }
    if (a->overlay) {
        int r = widget_on_key(a->overlay, k);
        if (r & (WIDGET_ACTIVATE | WIDGET_CANCEL)) {
            int tag = a->dialog ? dialog_tag(a->dialog) : -1;
            int choice = a->dialog && (r & WIDGET_ACTIVATE) ? dialog_choice(a->dialog) : -1;
            bool was_dialog = a->dialog != NULL;
            close_overlay(a);
            struct screen *s = top(a);
            if (was_dialog && s && s->cls->on_dialog)
                s->cls->on_dialog(s, tag, choice);
        }
        return;
    }
    struct screen *s = top(a);
    if (s == NULL)
        return;
    if (s->cls->on_key && s->cls->on_key(s, k))
        return;
    int action = keys_match(s->cls->keys, s->cls->n_keys, k);
    if (action == SCREEN_ACT_HELP)
        app_help(a);
    else if (action == SCREEN_ACT_BACK || key_id(k) == CTRL('c'))
        ask_quit(a);
    else if (action >= 0)
        s->cls->on_action(s, action);
}

static void on_resize(void *ud)
{
    /* The terminal may have reflowed or kept old cells: repaint all of it. */
    clearok(curscr, TRUE);
    app_redraw(ud);
}

static void on_tick(void *ud, time_t now)
{
    struct app *a = ud;
    struct tm tm;
    localtime_r(&now, &tm);
    if (tm.tm_min != a->clock_minute)
        a->title_dirty = true;
    char state[sizeof a->title_state];
    platform_state(a, now, state, sizeof state);
    if (strcmp(state, a->title_state) != 0)
        a->title_dirty = true;
    if (a->status[0] && a->status_kind != APP_ERROR &&
        now - a->status_at >= STATUS_FADE_SECONDS) {
        a->status[0] = '\0';
        a->status_dirty = true;
    }
    if (a->notify_note[0] && !a->status[0]) {
        app_status(a, APP_INFO, "%s", a->notify_note);
        a->notify_note[0] = '\0';
    }
    if (now % 60 == 0)
        app_flush_outbox(a);
    alerts_tick(now);
    struct screen *s = top(a);
    if (s && s->cls->on_tick && !a->too_small)
        s->cls->on_tick(s, now);
}

static void on_signal(void *ud, int sig)
{
    struct app *a = ud;
    a->quit = true;
    a->exit_status = 128 + sig;
}

void app_wake_at(struct app *a, long long ms)
{
    if (a->wake_at == 0 || ms < a->wake_at)
        a->wake_at = ms;
}

static int on_wake_in(void *ud)
{
    struct app *a = ud;
    if (a->wake_at == 0)
        return -1;
    long long left = a->wake_at - loop_now_ms();
    return left < 0 ? 0 : (int)left;
}

static void on_wake(void *ud)
{
    struct app *a = ud;
    long long now = loop_now_ms();
    if (a->wake_at && now >= a->wake_at)
        a->wake_at = 0;
    struct screen *s = top(a);
    if (s && s->cls->on_wake)
        s->cls->on_wake(s, now);
}

static bool on_done(void *ud)
{
    return ((struct app *)ud)->quit;
}

static const struct loop_callbacks callbacks = {
    .key = on_key,
    .resize = on_resize,
    .tick = on_tick,
    .signal = on_signal,
    .draw = on_draw,
    .done = on_done,
    .wake_in = on_wake_in,
    .wake = on_wake,
};

/* ---- desktop notifications (tui/alerts) ---- */

/* A reminder's Join action: that session's room, joining as soon as it is loaded, as J on
 * the sessions screen does. A room of that session already open comes back to the top (the
 * screens above it close; a feedback draft is kept on disk) instead of opening twice. */
static void on_alert_join(void *ud, const char *id, const struct meeting *m)
{
    struct app *a = ud;
    if (a->overlay)
        close_overlay(a);
    for (int i = a->depth - 1; i >= 0; i--) {
        if (screen_room_is(a->stack[i], id)) {
            while (a->depth > i + 1)
                app_pop(a);
            screen_room_join(a->stack[i]);
            return;
        }
    }
    struct screen *room = screen_room_new(id, true);
    if (room)
        app_push(a, room);
}

/* Said once, when the status line has nothing else to say (it would hide "Feedback sent"). */
static void on_alert_unavailable(void *ud, const char *why)
{
    struct app *a = ud;
    snprintf(a->notify_note, sizeof a->notify_note, "Desktop notifications are unavailable: "
             "%s.", why);
}

static void on_alerts_fd(void *ud, int fd)
{
    alerts_dispatch();
}

static void terminal_start(void)
{
    initscr();
    raw(); /* Ctrl-S (submit) and Ctrl-C must reach us, not the tty's flow control */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    theme_apply();
    wbkgdset(stdscr, ' ' | theme_attr(THEME_NORMAL));
    crash_install();
}

int app_run(const struct config *cfg, struct http_engine *engine, struct api *api,
            const char *session_id)
{
    struct app a = {.cfg = cfg, .engine = engine, .api = api, .clock_minute = -1};
    a.raw = g_string_new(NULL);
    terminal_start();
    a.loop = loop_new(engine, &callbacks, &a);
    struct screen *first = session_id ? screen_room_new(session_id, false)
                                      : screen_sessions_new();
    if (a.loop == NULL || first == NULL) {
        endwin();
        fprintf(stderr, "dheya-meet: cannot start the interface (out of memory)\n");
        loop_free(a.loop);
        g_string_free(a.raw, TRUE);
        return 1;
    }
    app_push(&a, first);
    app_flush_outbox(&a);
    static const struct alerts_hooks alert_hooks = {.join = on_alert_join,
                                                    .unavailable = on_alert_unavailable};
    if (alerts_start(cfg, api, &alert_hooks, &a))
        loop_watch(a.loop, alerts_fd(), on_alerts_fd, &a);
    loop_run(a.loop);
    alerts_stop();
    if (a.flush)
        outbox_flush_cancel(a.flush);
    while (a.depth)
        app_pop(&a);
    widget_destroy(a.overlay);
    widget_destroy(a.keybar ? keybar_widget(a.keybar) : NULL);
    loop_free(a.loop);
    crash_uninstall();
    endwin();
    /* The engine drops calls still running without answering them. */
    while (a.calls) {
        struct call_ref *next = a.calls->next;
        free(a.calls);
        a.calls = next;
    }
    g_string_free(a.raw, TRUE);
    return a.exit_status;
}

static void on_flushed(void *ud, const struct outbox_report *r)
{
    struct app *a = ud;
    a->flush = NULL;
    if (a->flush_again && !r->token_rejected) {
        /* Something was queued while this flush ran (it sends what it found at its start). */
        a->flush_again = false;
        app_flush_outbox(a);
    }
    if (r->token_rejected)
        app_status(a, APP_ERROR, "The platform rejected the token; queued submissions wait "
                   "(check DHEYA_TOKEN or the config).");
    else if (r->sent && r->kept == 0)
        app_status(a, APP_OK, "%d queued submission%s delivered.", r->sent,
                   r->sent == 1 ? "" : "s");
    if (r->sent)
        alerts_delivered(r->sent);
    else if (r->kept)
        app_status(a, APP_INFO, "%d submission%s still queued; retried in a minute.", r->kept,
                   r->kept == 1 ? "" : "s");
}

static void set_offline(struct app *a, const struct screen *s, time_t retry_at)
{
    for (int i = 0; i < a->depth; i++)
        if (a->stack[i] == s)
            a->offline_retry[i] = retry_at;
    a->title_dirty = true;
}

void app_offline(struct app *a, const struct screen *s, time_t retry_at)
{
    set_offline(a, s, retry_at);
}

void app_online(struct app *a, const struct screen *s)
{
    set_offline(a, s, 0);
}

void app_flush_outbox(struct app *a)
{
    if (a->flush) {
        a->flush_again = true;
        return;
    }
    a->flush = outbox_flush_start(a->api, a->cfg->api_url, a->cfg->token, on_flushed, NULL, a,
                                  NULL);
}
