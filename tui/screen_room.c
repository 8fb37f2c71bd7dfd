/* The meeting room: the pre-meeting checklist, the session sidebar, the live timer, who has
 * joined, quick tips, and the actions (join, reopen, end, feedback). The meeting is loaded
 * on entry and refreshed every 15 seconds, so a session ended by the platform (a provider
 * webhook) shows here and offers the feedback form. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "net/submission.h"
#include "themes/theme.h"
#include "tui/alerts.h"
#include "tui/backoff.h"
#include "tui/app.h"
#include "tui/devices.h"
#include "tui/join.h"
#include "tui/launcher.h"
#include "tui/jointime.h"
#include "tui/outbox.h"
#include "tui/sanitize.h"
#include "tui/screens.h"
#include "tui/timefmt.h"
#include "widgets/draw.h"
#include "widgets/cells.h"
#include "widgets/checklist.h"
#include "widgets/sidebar.h"
#include "widgets/timer.h"

#define REFRESH_SECONDS 15
#define SIDEBAR_MIN_COLS 72

enum { ACT_JOIN, ACT_REOPEN, ACT_SIDEBAR, ACT_END, ACT_FEEDBACK, ACT_COPY, ACT_REFRESH,
       ACT_TICK };
enum { DLG_UNTICKED, DLG_URL, DLG_END, DLG_ENDED_ELSEWHERE, DLG_LEAVE };
enum { ITEM_AUDIO, ITEM_VIDEO, ITEM_GOALS };

static const struct keydef keys[] = {
    {ACT_JOIN, {'\r', '\n', KEYCODE(KEY_ENTER)}, "Enter", "Join", "Join the meeting in the browser (asks first if an item is unticked)", true},
    {ACT_TICK, {' '}, "Space", "Tick", "Tick or untick the checklist item under the cursor", true},
    {ACT_REOPEN, {'r'}, "r", "Reopen", "Open the meeting in the browser again", true},
    {ACT_SIDEBAR, {'s'}, "s", "Sidebar", "Show or hide the session sidebar", true},
    {ACT_END, {'e'}, "e", "End", "End the session (asks first); it is marked COMPLETED", true},
    {ACT_FEEDBACK, {'f'}, "f", "Feedback", "Rate the session and leave a comment", true},
    {ACT_COPY, {'c'}, "c", "Copy URL", "Copy the meeting URL to the local clipboard (OSC 52)", false},
    {ACT_TICK, {0}, "PgUp/PgDn", "Scroll", "Scroll the sidebar when the notes are long", false},
    {ACT_REFRESH, {KEYCODE(KEY_F(5)), CTRL('r')}, "F5", "Refresh", "Load the session again now", false},
    {SCREEN_ACT_HELP, {'?', KEYCODE(KEY_F(1))}, "?", "Help", "Show the keys", true},
    {SCREEN_ACT_BACK, {'q', 27}, "q", "Back", "Back to the sessions (asks while the meeting runs)", true},
};

static const char *const tips[] = {
    "Use headphones; mute when not speaking.",
    "Face a light, camera at eye level.",
    "Close apps that use the camera or network.",
    "Note follow-ups as you go, for feedback.",
};

struct room {
    struct screen base;
    char *id;
    bool join_on_load;
    bool link_retry; /* Enter found no meeting link: asked again, to join if it comes */
    struct meeting m;
    bool loaded, loading, completing, load_failed;
    char offline[700];     /* the last load failure, for the status line */
    bool offline_pending;  /* not shown yet: the status line was busy */
    struct backoff refresh; /* when to load the session again */
    time_t joined;
    char error[600];
    struct checklist *checklist;
    struct sidebar *sidebar;
    struct timer *timer;
    bool sidebar_hidden; /* by the mentor, with s */
    bool sidebar_shown;  /* hidden also when the terminal is narrow */
    int top, lines, cols, left_w;
    int checklist_y, timer_y;
    bool dirty; /* the room's own text (not its widgets) */
    bool feedback_queued; /* at the last load: the mentor's feedback waits in the outbox */
    char *url;  /* the URL last opened or shown */
    struct launch *launch; /* the browser last started, until it ends */
    char *complete_key;
};

static void set_text(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
}

/* ---- what the room shows ---- */

static void add_fact(struct sidebar *sb, const char *label, const char *text)
{
    char *v = sanitize(text, SANITIZE_LINE);
    sidebar_add(sb, label, v);
    free(v);
}

static void fill_sidebar(struct room *r)
{
    const struct meeting *m = &r->m;
    struct sidebar *sb = r->sidebar;
    sidebar_clear(sb);
    char buf[256];
    add_fact(sb, "Mentee", m->user.name);
    if (m->user.email)
        add_fact(sb, "", m->user.email);
    add_fact(sb, "Mentor", m->mentor.name);
    if (m->mentor.email)
        add_fact(sb, "", m->mentor.email);
    add_fact(sb, "Package", m->package_name);
    snprintf(buf, sizeof buf, "%d", m->session_number);
    add_fact(sb, "Session", buf);
    timefmt_local(m->scheduled_at, buf, sizeof buf);
    add_fact(sb, "Starts", buf);
    snprintf(buf, sizeof buf, "%d min", m->duration);
    add_fact(sb, "Duration", buf);
    add_fact(sb, "Status", m->status);
    const char *host = m->provider == NULL ? "Jitsi Meet"
                       : strcmp(m->provider, "jitsi") == 0 ? "Jitsi Meet"
                       : strcmp(m->provider, "zoom") == 0 ? "Zoom"
                       : strcmp(m->provider, "google-meet") == 0 ? "Google Meet"
                                                                 : m->provider;
    add_fact(sb, "Host", host);
    if (m->meeting_passcode)
        add_fact(sb, "Passcode", m->meeting_passcode);
    char *notes = sanitize(m->notes ? m->notes : "(no notes)", SANITIZE_MULTILINE);
    sidebar_add_text(sb, "Notes", notes);
    free(notes);
    widget_mark_dirty(sidebar_widget(sb));
}

static void fill_checklist_hints(struct room *r)
{
    char hint[256];
    if (r->loaded && r->m.notes && *r->m.notes) {
        char *notes = sanitize(r->m.notes, SANITIZE_LINE);
        snprintf(hint, sizeof hint, "review the notes: %s", notes);
        free(notes);
    } else {
        snprintf(hint, sizeof hint, "no notes for this session; agree on goals at the start");
    }
    checklist_set_hint(r->checklist, ITEM_GOALS, hint);
    widget_mark_dirty(checklist_widget(r->checklist));
}

static void update_timer(struct room *r)
{
    enum timer_end end = meeting_is_cancelled(&r->m)   ? TIMER_CALLED_OFF
                         : meeting_is_completed(&r->m) ? TIMER_COMPLETED
                                                       : TIMER_LIVE;
    timer_set(r->timer, r->m.scheduled_at, r->m.duration, r->joined, end);
    timer_tick(r->timer, time(NULL));
}

/* ---- layout and drawing ---- */

static void layout(struct screen *scr, int top, int lines, int cols)
{
    struct room *r = (struct room *)scr;
    r->top = top, r->lines = lines, r->cols = cols;
    r->sidebar_shown = !r->sidebar_hidden && cols >= SIDEBAR_MIN_COLS;
    int sw = cols >= 110 ? 42 : cols >= 90 ? 36 : 30;
    r->left_w = r->sidebar_shown ? cols - sw : cols;
    r->timer_y = top + 3;
    r->checklist_y = top + 6;
    widget_place(timer_widget(r->timer), r->timer_y, 2, 1, r->left_w - 4);
    widget_place(checklist_widget(r->checklist), r->checklist_y, 2, 3, r->left_w - 4);
    if (r->sidebar_shown)
        widget_place(sidebar_widget(r->sidebar), top, r->left_w, lines, sw);
    r->dirty = true;
}

/* Text in a theme slot, fitted to width cells (widgets/draw does the fitting). */
static void put(WINDOW *win, int y, int x, int width, enum theme_slot slot, const char *text)
{
    draw_text(win, y, x, width, text, theme_attr(slot));
}

static void draw_heading(struct room *r, WINDOW *win)
{
    int w = r->left_w - 4, y = r->top;
    if (!r->loaded) {
        put(win, y, 2, w, THEME_TITLE, r->error[0] ? "Cannot load the session" : "Loading the session\u2026");
        put(win, y + 1, 2, w, r->error[0] ? THEME_ERROR : THEME_HINT, r->error);
        return;
    }
    const struct meeting *m = &r->m;
    char *who = sanitize(m->user.name, SANITIZE_LINE), *pkg = sanitize(m->package_name, SANITIZE_LINE);
    char *line = g_strdup_printf("Session %d with %s \u00b7 %s", m->session_number, who, pkg);
    put(win, y, 2, w, THEME_TITLE, line);
    g_free(line);
    free(who);
    free(pkg);
    char when[80], rel[64];
    timefmt_local(m->scheduled_at, when, sizeof when);
    char *status = sanitize(m->status, SANITIZE_LINE);
    if (meeting_is_completed(m) || meeting_is_cancelled(m))
        snprintf(rel, sizeof rel, "%s", status);
    else
        timefmt_relative(time(NULL), m->scheduled_at, m->duration, rel, sizeof rel);
    line = g_strdup_printf("%s \u00b7 %d min \u00b7 %s", when, m->duration, rel);
    put(win, y + 1, 2, w, THEME_HINT, line);
    g_free(line);
    free(status);
}

/* Once the session is completed, what became of the mentor's feedback: given (the rating
 * and the start of the comment), waiting in the outbox, or still to give. */
static void draw_feedback_line(struct room *r, WINDOW *win, int y, int w)
{
    const struct meeting *m = &r->m;
    if (!m->has_feedback) {
        put(win, y, 2, w, THEME_HINT, r->feedback_queued
                                          ? "Your feedback is queued; it will be sent."
                                          : "Not rated yet: f opens the feedback form.");
        return;
    }
    char stars[64] = "", *comment = m->feedback_comment
                                        ? sanitize(m->feedback_comment, SANITIZE_LINE)
                                        : NULL;
    for (int i = 1; i <= 5; i++)
        g_strlcat(stars, i <= m->feedback_rating ? "\u2605" : "\u2606", sizeof stars);
    char *line = g_strdup_printf("Your rating: %s %d/5%s%s", stars, m->feedback_rating,
                                 comment && *comment ? " \u00b7 " : "",
                                 comment ? comment : "");
    put(win, y, 2, w, THEME_OK, line);
    g_free(line);
    free(comment);
}

static void draw_body(struct room *r, WINDOW *win)
{
    int w = r->left_w - 4, y = r->checklist_y - 1;
    put(win, y, 2, w, THEME_HEADER, "Before you join");
    y = r->checklist_y + 4;
    const struct meeting *m = &r->m;
    int bottom = r->top + r->lines;
    if (r->loaded) {
        char *line;
        if (meeting_is_cancelled(m))
            line = g_strdup("Meeting: this session was cancelled");
        else if (m->meeting_url == NULL && m->meeting_error) {
            char *why = sanitize(m->meeting_error, SANITIZE_LINE);
            line = g_strdup_printf("Meeting: link not ready yet (%s) \u2014 asked for again on "
                                   "each refresh", why);
            free(why);
        } else if (m->meeting_url == NULL)
            line = g_strdup("Meeting: link not ready yet \u2014 asked for again on each refresh");
        else {
            char *u = sanitize(m->meeting_url, SANITIZE_LINE);
            /* A no-break space: a URL too long for the row wraps inside itself, not after
             * "Meeting:" (cells_wrap breaks only at plain spaces). */
            line = g_strdup_printf("Meeting:\u00a0%s", u);
            free(u);
        }
        /* Wrapped over up to three rows: the provider's reason or a long URL is worth it. */
        struct cells_line *ls;
        size_t n = cells_wrap(line, w > 0 ? (size_t)w : 1, &ls);
        for (size_t i = 0; i < n && i < 3 && y < bottom - 1; i++)
            draw_textn(win, y++, 2, w, line + ls[i].start, ls[i].len,
                       theme_attr(THEME_NORMAL));
        free(ls);
        g_free(line);
        if (m->n_participants == 0) {
            put(win, y++, 2, w, THEME_HINT, "No one has joined yet.");
        }
        for (size_t i = 0; i < m->n_participants && y < bottom - 1; i++) {
            const struct participant *p = &m->participants[i];
            char t[16] = "?", *name = sanitize(p->name, SANITIZE_LINE);
            if (p->joined_at) {
                struct tm tm;
                localtime_r(&p->joined_at, &tm);
                strftime(t, sizeof t, "%H:%M", &tm);
            }
            line = g_strdup_printf("  %s joined %s%s", name, t, p->left_at ? ", left" : "");
            put(win, y++, 2, w, THEME_OK, line);
            g_free(line);
            free(name);
        }
        if (meeting_is_completed(m) && y < bottom - 2)
            draw_feedback_line(r, win, y + 1, w);
    }
    int n_tips = (int)(sizeof tips / sizeof *tips);
    if (bottom - y - 1 >= 3) {
        int ty = bottom - 1 - (bottom - y - 2 < n_tips ? bottom - y - 2 : n_tips);
        put(win, ty++, 2, w, THEME_HEADER, "Tips");
        for (int i = 0; ty < bottom && i < n_tips; i++) {
            char *line = g_strdup_printf("\u2022 %s", tips[i]);
            put(win, ty++, 2, w, THEME_HINT, line);
            g_free(line);
        }
    }
}

static void draw(struct screen *scr, WINDOW *win, bool all)
{
    struct room *r = (struct room *)scr;
    if (all || r->dirty) {
        wattrset(win, theme_attr(THEME_NORMAL));
        for (int i = 0; i < r->lines; i++)
            mvwhline(win, r->top + i, 0, ' ', r->left_w);
        draw_heading(r, win);
        draw_body(r, win);
        all = true;
        r->dirty = false;
    }
    struct widget *t = timer_widget(r->timer), *c = checklist_widget(r->checklist);
    if (r->loaded && (all || t->dirty))
        widget_draw(t, win, false);
    if (all || c->dirty)
        widget_draw(c, win, true);
    if (r->sidebar_shown) {
        struct widget *sb = sidebar_widget(r->sidebar);
        if (all || sb->dirty)
            widget_draw(sb, win, false);
    }
}

/* ---- loading ---- */

static void join(struct room *r, bool confirm);

static void offer_feedback(struct room *r, const char *why)
{
    if (r->m.has_feedback)
        return;
    char *msg = g_strdup_printf("%s\n\nRate the session and leave a comment now?", why);
    static const char *const yes_no[] = {"Yes", "No", NULL};
    app_dialog(r->base.app, dialog_new(DLG_ENDED_ELSEWHERE, "Session ended", msg, yes_no, 0));
    g_free(msg);
}

/* Notes whether the mentor's feedback for a completed session waits in the outbox, for
 * draw_feedback_line. Reads the queue's files only. */
static void look_for_queued_feedback(struct room *r)
{
    if (!r->loaded || !meeting_is_completed(&r->m) || r->m.has_feedback)
        return;
    const struct config *cfg = app_config(r->base.app);
    r->feedback_queued = outbox_count(cfg->api_url, cfg->token, r->id, NULL) > 0;
    r->dirty = true;
}

static void on_meeting(void *owner, struct api_result *res)
{
    struct room *r = owner;
    struct app *a = r->base.app;
    r->loading = false;
    r->dirty = true;
    if (res == NULL || res->status != NET_OK) {
        char *msg = sanitize(res ? res->message : "out of memory", SANITIZE_LINE);
        if (!r->loaded)
            snprintf(r->error, sizeof r->error, "%s. Press F5 to retry, q to go back.", msg);
        snprintf(r->offline, sizeof r->offline, "Cannot load the session: %s. Retried by "
                 "itself (F5 now); nothing you type is lost.", msg);
        backoff_failed(&r->refresh, time(NULL));
        app_offline(a, &r->base, r->refresh.next);
        /* A background refresh does not cover what the mentor was just told ("queued"). */
        r->offline_pending = r->loaded && app_status_busy(a);
        if (!r->offline_pending)
            app_status(a, APP_ERROR, "%s", r->offline);
        r->load_failed = true;
        if (r->link_retry) /* Enter asked for the link: not joining minutes later */
            r->join_on_load = r->link_retry = false;
        free(msg);
        api_result_free(res);
        return;
    }
    bool was_loaded = r->loaded;
    bool was_over = was_loaded && meeting_is_completed(&r->m);
    size_t had = was_loaded ? r->m.n_participants : 0;
    meeting_clear(&r->m);
    r->m = res->meeting;
    memset(&res->meeting, 0, sizeof res->meeting);
    api_result_free(res);
    r->loaded = true;
    r->error[0] = '\0';
    backoff_ok(&r->refresh, time(NULL));
    app_online(a, &r->base);
    if (r->load_failed)
        app_status(a, APP_OK, "The platform answers again.");
    r->load_failed = false;
    r->offline_pending = false;
    /* A join kept from an earlier time of the session (moved since) does not count now. */
    r->joined = jointime_for(r->joined, r->m.scheduled_at);
    fill_sidebar(r);
    fill_checklist_hints(r);
    update_timer(r);
    look_for_queued_feedback(r);
    alerts_seen(&r->m); /* a participant joined: a desktop notification too */
    if (was_loaded && r->m.n_participants > had) {
        char *name = sanitize(r->m.participants[r->m.n_participants - 1].name, SANITIZE_LINE);
        /* A long name is cut, not the news: "joined the meeting" stays on the line. */
        int room = COLS - (int)strlen(" joined the meeting") - 2;
        if (room > 8 && cells_width(name) > (size_t)room)
            app_status(a, APP_INFO, "%.*s\u2026 joined the meeting",
                       (int)cells_prefix(name, (size_t)room - 1), name);
        else
            app_status(a, APP_INFO, "%s joined the meeting", name);
        free(name);
    }
    if (was_loaded && !was_over && meeting_is_completed(&r->m) && !r->completing)
        offer_feedback(r, "The platform reports that this session has ended.");
    if (r->join_on_load) {
        r->join_on_load = false;
        join(r, false);
    }
}

static void load(struct room *r)
{
    if (r->loading)
        return;
    struct api_call call = {.kind = API_MEETING, .session_id = r->id};
    r->loading = app_call(r->base.app, &call, on_meeting, r);
}

/* ---- actions ---- */

static void copy_url(struct room *r)
{
    const char *url = r->url ? r->url : r->m.meeting_url;
    char err[300];
    char *checked = url ? launcher_check_url(url, err, sizeof err) : NULL;
    if (checked == NULL) {
        app_status(r->base.app, APP_ERROR, "No meeting URL to copy.");
        return;
    }
    gchar *b64 = g_base64_encode((const guchar *)checked, strlen(checked));
    char *seq = g_strdup_printf("\033]52;c;%s\a", b64);
    app_write_raw(r->base.app, seq);
    app_status(r->base.app, APP_OK, "Meeting URL sent to your terminal's clipboard (OSC 52).");
    g_free(seq);
    g_free(b64);
    g_free(checked);
}

static void show_url(struct room *r, const char *why)
{
    char *u = sanitize(r->url, SANITIZE_LINE);
    char *msg = g_strdup_printf("%s.\n\nOpen this address in a browser:\n\n%s\n\n"
                                "c copies it to your local clipboard (OSC 52).", why, u);
    static const char *const buttons[] = {"Copy", "Close", NULL};
    app_dialog(r->base.app, dialog_new(DLG_URL, "Meeting URL", msg, buttons, 0));
    g_free(msg);
    free(u);
}

static void join(struct room *r, bool confirm)
{
    struct app *a = r->base.app;
    if (!r->loaded) {
        app_status(a, APP_INFO, "The session is still loading.");
        r->join_on_load = true;
        return;
    }
    if (meeting_is_cancelled(&r->m)) {
        app_status(a, APP_ERROR, "Cannot join: this session was cancelled; there is no meeting "
                   "to join.");
        return;
    }
    if (r->m.meeting_url == NULL && !r->link_retry) {
        /* The meeting route is "get or create": asking again makes the platform try the
         * provider again. Join if the link comes with the answer. */
        r->link_retry = r->join_on_load = true;
        app_status(a, APP_PROGRESS, "The meeting link is not ready yet; asking the platform "
                   "again\u2026");
        load(r);
        return;
    }
    r->link_retry = false;
    if (confirm && !checklist_all_checked(r->checklist)) {
        static const char *const yes_no[] = {"Yes", "No", NULL};
        app_dialog(a, dialog_new(DLG_UNTICKED, "Join now?",
                                 "Not every checklist item is ticked. Join anyway?", yes_no, 1));
        return;
    }
    char msg[800], *url;
    launcher_forget(r->launch);
    enum join_outcome o = join_open(&r->m, app_config(a)->browser, &url, msg, sizeof msg,
                                    &r->launch);
    char *clean = sanitize(msg, SANITIZE_LINE);
    if (o == JOIN_REFUSED) {
        app_status(a, APP_ERROR, "Cannot join: %s", clean);
        free(clean);
        return;
    }
    g_free(r->url);
    r->url = url;
    if (r->joined == 0) {
        char err[300];
        r->joined = time(NULL);
        if (!jointime_set(r->id, r->joined, err, sizeof err))
            app_status(a, APP_ERROR, "The join time is not saved: %s", err);
        update_timer(r);
    }
    if (o == JOIN_OPENED)
        app_status(a, APP_OK, "Meeting %s. r opens it again.", clean);
    else
        show_url(r, clean);
    free(clean);
}

static void open_feedback(struct room *r)
{
    if (r->m.has_feedback) {
        app_status(r->base.app, APP_INFO, "You already rated this session %d/5.",
                   r->m.feedback_rating);
        return;
    }
    char *mentee = r->loaded ? sanitize(r->m.user.name, SANITIZE_LINE) : NULL;
    struct screen *f = screen_feedback_new(r->id, mentee);
    free(mentee);
    if (f)
        app_push(r->base.app, f);
}

static void mark_completed(struct room *r)
{
    set_text(&r->m.status, "COMPLETED");
    alerts_seen(&r->m); /* no "time is up" for a session ended */
    fill_sidebar(r);
    update_timer(r);
    r->dirty = true;
}

static void on_completed(void *owner, struct api_result *res)
{
    struct room *r = owner;
    struct app *a = r->base.app;
    r->completing = false;
    enum outbox_verdict v = outbox_verdict_of(res);
    if (v == OUTBOX_VERDICT_DONE) {
        mark_completed(r);
        app_status(a, APP_OK, "The session is marked COMPLETED.");
        open_feedback(r);
    } else if (v == OUTBOX_VERDICT_LATER || v == OUTBOX_VERDICT_UNKNOWN) {
        const struct config *cfg = app_config(a);
        struct submission sub = {.kind = API_COMPLETE, .session_id = r->id,
                                 .key = r->complete_key,
                                 .queued_at = time(NULL)};
        char err[300];
        if (outbox_add(cfg->api_url, cfg->token, &sub, err, sizeof err)) {
            mark_completed(r);
            app_status(a, APP_INFO, "The platform cannot be reached; ending is queued and will "
                       "be sent.");
            open_feedback(r);
        } else {
            app_status(a, APP_ERROR, "Cannot end the session, and cannot queue it: %s. Press e "
                       "to retry.", err);
        }
    } else {
        char *msg = sanitize(res ? res->message : "out of memory", SANITIZE_LINE);
        app_status(a, APP_ERROR, "Cannot end the session: %s", msg);
        free(msg);
    }
    api_result_free(res);
}

static void end_session(struct room *r)
{
    if (r->completing)
        return;
    struct api_call call = {.kind = API_COMPLETE, .session_id = r->id,
                            .idempotency_key = r->complete_key};
    r->completing = app_call(r->base.app, &call, on_completed, r);
    if (r->completing)
        app_status(r->base.app, APP_PROGRESS, "Ending the session\u2026");
}

static void ask_end(struct room *r)
{
    if (r->loaded && meeting_is_completed(&r->m)) {
        open_feedback(r);
        return;
    }
    if (r->loaded && meeting_is_cancelled(&r->m)) {
        app_status(r->base.app, APP_ERROR, "This session was cancelled; it cannot be ended.");
        return;
    }
    static const char *const yes_no[] = {"Yes", "No", NULL};
    app_dialog(r->base.app, dialog_new(DLG_END, "End the session?",
                                       "The session will be marked COMPLETED on the platform, "
                                       "then you can rate it.", yes_no, 1));
}

static void on_action(struct screen *scr, int action)
{
    struct room *r = (struct room *)scr;
    switch (action) {
    case ACT_JOIN: join(r, true); break;
    case ACT_REOPEN: join(r, false); break;
    case ACT_SIDEBAR:
        r->sidebar_hidden = !r->sidebar_hidden;
        if (!r->sidebar_hidden && r->cols < SIDEBAR_MIN_COLS)
            app_status(r->base.app, APP_INFO, "The terminal is too narrow for the sidebar.");
        app_redraw(r->base.app);
        break;
    case ACT_END: ask_end(r); break;
    case ACT_FEEDBACK: open_feedback(r); break;
    case ACT_COPY: copy_url(r); break;
    case ACT_REFRESH: load(r); break;
    }
}

static bool on_key(struct screen *scr, struct key k)
{
    struct room *r = (struct room *)scr;
    /* Page keys scroll the sidebar (long notes); the rest go to the checklist. */
    if (k.is_code && (k.value == KEY_PPAGE || k.value == KEY_NPAGE))
        return r->sidebar_shown &&
               (widget_on_key(sidebar_widget(r->sidebar), k) & WIDGET_HANDLED);
    return widget_on_key(checklist_widget(r->checklist), k) & WIDGET_HANDLED;
}

static void on_dialog(struct screen *scr, int tag, int choice)
{
    struct room *r = (struct room *)scr;
    switch (tag) {
    case DLG_UNTICKED: if (choice == 0) join(r, false); break;
    case DLG_URL: if (choice == 0) copy_url(r); break;
    case DLG_END: if (choice == 0) end_session(r); break;
    case DLG_ENDED_ELSEWHERE: if (choice == 0) open_feedback(r); break;
    case DLG_LEAVE: if (choice == 0) app_pop(r->base.app); break;
    }
}

/* A browser that fails once started (xdg-open finding no handler, a wrapper script) is
 * said on the status line, with the way to the URL: the launch itself looked fine. */
static void check_launch(struct room *r)
{
    bool failed;
    char how[300];
    if (r->launch == NULL || !launcher_ended(r->launch, &failed, how, sizeof how))
        return;
    launcher_forget(r->launch);
    r->launch = NULL;
    if (failed) {
        char *clean = sanitize(how, SANITIZE_LINE);
        app_status(r->base.app, APP_ERROR, "The browser failed: %s. c copies the URL.", clean);
        free(clean);
    }
}

static void on_tick(struct screen *scr, time_t now)
{
    struct room *r = (struct room *)scr;
    check_launch(r);
    if (r->offline_pending && !app_status_busy(r->base.app)) {
        app_status(r->base.app, APP_ERROR, "%s", r->offline);
        r->offline_pending = false;
    }
    if (backoff_due(&r->refresh, now))
        load(r);
    timer_tick(r->timer, now);
    if (now % 60 == 0)
        r->dirty = true; /* the "in 12 min" of the heading */
}

static bool can_leave(struct screen *scr)
{
    struct room *r = (struct room *)scr;
    bool running = r->joined && r->loaded && !meeting_is_completed(&r->m) &&
                   !meeting_is_cancelled(&r->m);
    if (!running)
        return true;
    static const char *const yes_no[] = {"Yes", "No", NULL};
    app_dialog(r->base.app, dialog_new(DLG_LEAVE, "Leave the room?",
                                       "The meeting is still running. Leave the room? The timer "
                                       "keeps counting and is here when you come back.",
                                       yes_no, 1));
    return false;
}

/* A completed session has nothing to tick, join or end; a cancelled one no meeting and no
 * feedback either. */
static bool offers(struct screen *scr, int action)
{
    const struct room *r = (const struct room *)scr;
    if (!r->loaded)
        return true;
    bool done = meeting_is_completed(&r->m), off = meeting_is_cancelled(&r->m);
    switch (action) {
    case ACT_JOIN:
    case ACT_TICK:
    case ACT_END:
        return !done && !off;
    case ACT_REOPEN:
    case ACT_FEEDBACK:
        return !off;
    default:
        return true;
    }
}

static void on_resume(struct screen *scr)
{
    struct room *r = (struct room *)scr;
    look_for_queued_feedback(r); /* the form may have just queued it, the platform down */
    load(r);
}

static void destroy(struct screen *scr)
{
    struct room *r = (struct room *)scr;
    if (r->base.app)
        app_forget(r->base.app, r);
    meeting_clear(&r->m);
    widget_destroy(r->checklist ? checklist_widget(r->checklist) : NULL);
    widget_destroy(r->sidebar ? sidebar_widget(r->sidebar) : NULL);
    widget_destroy(r->timer ? timer_widget(r->timer) : NULL);
    g_free(r->id);
    g_free(r->url);
    launcher_forget(r->launch);
    g_free(r->complete_key);
    free(r);
}

static const struct screen_class room_class = {
    .name = "Meeting room",
    .keys = keys,
    .n_keys = sizeof keys / sizeof *keys,
    .layout = layout,
    .draw = draw,
    .on_key = on_key,
    .on_action = on_action,
    .offers = offers,
    .on_tick = on_tick,
    .on_dialog = on_dialog,
    .on_resume = on_resume,
    .can_leave = can_leave,
    .destroy = destroy,
};

bool screen_room_is(const struct screen *s, const char *session_id)
{
    return s->cls == &room_class && strcmp(((const struct room *)s)->id, session_id) == 0;
}

void screen_room_join(struct screen *s)
{
    if (s->cls == &room_class)
        join((struct room *)s, false);
}

struct screen *screen_room_new(const char *session_id, bool join_now)
{
    struct room *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->base.cls = &room_class;
    r->id = g_strdup(session_id);
    r->join_on_load = join_now;
    r->complete_key = g_uuid_string_random();
    r->refresh.interval = REFRESH_SECONDS;
    r->checklist = checklist_new();
    r->sidebar = sidebar_new("Session");
    r->timer = timer_new();
    if (!r->checklist || !r->sidebar || !r->timer) {
        destroy(&r->base);
        return NULL;
    }
    checklist_add(r->checklist, "Audio", NULL);
    checklist_add(r->checklist, "Video", NULL);
    checklist_add(r->checklist, "Goals", NULL);
    /* What the machine offers, read once as the room opens. */
    char hint[256];
    devices_audio_hint(hint, sizeof hint);
    checklist_set_hint(r->checklist, ITEM_AUDIO, hint);
    devices_video_hint(hint, sizeof hint);
    checklist_set_hint(r->checklist, ITEM_VIDEO, hint);
    fill_checklist_hints(r);
    r->joined = jointime_get(session_id);
    r->dirty = true;
    return &r->base;
}
