/* The feedback form: a 1-5 star rating and an optional comment of at most 2000 characters.
 * The draft is saved durably as it is typed (at most five writes a second, so kill -9 loses
 * at most the last moment of typing) and restored when the form opens again. A submission
 * that cannot reach the platform goes to the outbox with the draft's idempotency key. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "net/submission.h"
#include "themes/theme.h"
#include "tui/alerts.h"
#include "tui/app.h"
#include "tui/draft.h"
#include "tui/loop.h"
#include "tui/outbox.h"
#include "tui/sanitize.h"
#include "tui/screens.h"
#include "widgets/draw.h"
#include "widgets/stars.h"
#include "widgets/textarea.h"

#define MAX_COMMENT 2000
#define SAVE_INTERVAL_MS 200
#define SAVE_RETRY_MS 3000 /* after a failed save (a full disk) */

enum { ACT_SUBMIT, ACT_NEXT_FIELD, ACT_RATE, ACT_TYPE };
enum { FOCUS_STARS, FOCUS_COMMENT };
enum { DLG_LOSE };

static const struct keydef keys[] = {
    {ACT_SUBMIT, {CTRL('s'), KEYCODE(KEY_F(10))}, "^S", "Submit", "Send the rating and comment (from anywhere; F10 too)", true},
    {ACT_NEXT_FIELD, {'\t', KEYCODE(KEY_BTAB)}, "Tab", "Next field", "Move between the stars and the comment (Shift-Tab back)", true},
    {ACT_RATE, {0}, "1-5 \u2190\u2192", "Rate", "Set the rating while the stars have focus", true},
    {ACT_TYPE, {0}, "Enter", "New line", "In the comment: a new line; every printable key is text", false},
    {SCREEN_ACT_HELP, {'?', KEYCODE(KEY_F(1))}, "?", "Help", "Show the keys (while the stars have focus)", true},
    {SCREEN_ACT_BACK, {27, 'q'}, "Esc", "Leave", "Leave the form; the draft is kept for later", true},
};

struct feedback {
    struct screen base;
    char *id;
    char *mentee;
    struct stars *stars;
    struct textarea *comment;
    int focus;
    struct draft draft;
    bool restored;
    bool save_pending;
    bool save_failed; /* the last save failed: retried every SAVE_RETRY_MS */
    long long last_save_ms;
    bool submitting;
    int top, lines, cols;
    bool dirty;
    int counter_shown;
};

/* ---- the draft ---- */

/* Writes the draft; on failure (a full disk) says so, keeps the text on screen and tries
 * again a few seconds later, typing or not. */
static bool save_now(struct feedback *f)
{
    f->draft.rating = stars_value(f->stars);
    g_free(f->draft.comment);
    f->draft.comment = g_strdup(textarea_text(f->comment));
    char err[300];
    f->last_save_ms = loop_now_ms();
    if (!draft_save(f->id, &f->draft, err, sizeof err)) {
        if (!f->save_failed)
            app_status(f->base.app, APP_ERROR, "Draft not saved: %s. It stays on screen and "
                       "is saved once it can be.", err);
        f->save_failed = f->save_pending = true;
        app_wake_at(f->base.app, f->last_save_ms + SAVE_RETRY_MS);
        return false;
    }
    if (f->save_failed)
        app_status(f->base.app, APP_OK, "Draft saved.");
    f->save_failed = f->save_pending = false;
    return true;
}

static void changed(struct feedback *f)
{
    f->save_pending = true;
    long long due = f->last_save_ms + SAVE_INTERVAL_MS;
    if (loop_now_ms() >= due)
        save_now(f);
    else
        app_wake_at(f->base.app, due);
    f->dirty = true;
}

static void on_wake(struct screen *scr, long long now_ms)
{
    struct feedback *f = (struct feedback *)scr;
    long long wait = f->save_failed ? SAVE_RETRY_MS : SAVE_INTERVAL_MS;
    if (f->save_pending && now_ms >= f->last_save_ms + wait)
        save_now(f);
}

/* ---- drawing ---- */

static void layout(struct screen *scr, int top, int lines, int cols)
{
    struct feedback *f = (struct feedback *)scr;
    f->top = top, f->lines = lines, f->cols = cols;
    widget_place(stars_widget(f->stars), top + 3, 4, 1, cols - 8);
    /* The comment box: a frame around the text area, to the last row but one. */
    int h = lines - 9;
    widget_place(textarea_widget(f->comment), top + 7, 4, h < 1 ? 1 : h, cols - 8);
    f->dirty = true;
}

/* Text in a theme slot, fitted to width cells (widgets/draw does the fitting). */
static void put(WINDOW *win, int y, int x, int width, enum theme_slot slot, const char *text)
{
    draw_text(win, y, x, width, text, theme_attr(slot));
}

static void draw_frame(struct feedback *f, WINDOW *win)
{
    struct widget *t = textarea_widget(f->comment);
    attr_t border = theme_attr(f->focus == FOCUS_COMMENT ? THEME_BUTTON_FOCUS : THEME_BORDER);
    draw_box(win, t->y - 1, t->x - 1, t->h + 2, t->w + 2, border, NULL, border, NULL);
}

static void draw_counter(struct feedback *f, WINDOW *win)
{
    size_t left = textarea_remaining(f->comment);
    char buf[64];
    snprintf(buf, sizeof buf, "%zu of %d characters left", left, MAX_COMMENT);
    int w = (int)strlen(buf);
    wattrset(win, theme_attr(THEME_NORMAL));
    mvwhline(win, f->top + 5, f->cols / 2, ' ', f->cols - f->cols / 2);
    put(win, f->top + 5, f->cols - 4 - w, w, left < 100 ? THEME_COUNTER_LOW : THEME_COUNTER,
        buf);
    f->counter_shown = (int)left;
}

static void draw(struct screen *scr, WINDOW *win, bool all)
{
    struct feedback *f = (struct feedback *)scr;
    if (all || f->dirty) {
        wattrset(win, theme_attr(THEME_NORMAL));
        for (int i = 0; i < f->lines; i++)
            mvwhline(win, f->top + i, 0, ' ', f->cols);
        char *title = f->mentee ? g_strdup_printf("How did the session with %s go?", f->mentee)
                                : g_strdup("How did the session go?");
        put(win, f->top, 2, f->cols - 4, THEME_TITLE, title);
        g_free(title);
        put(win, f->top + 2, 2, f->cols - 4,
            f->focus == FOCUS_STARS ? THEME_HEADER : THEME_HINT,
            f->focus == FOCUS_STARS ? "Rating (required) \u2014 press 1-5 or \u2190 \u2192"
                                    : "Rating (required)");
        put(win, f->top + 5, 2, f->cols / 2 - 2,
            f->focus == FOCUS_COMMENT ? THEME_HEADER : THEME_HINT, "Comment (optional)");
        draw_counter(f, win);
        draw_frame(f, win);
        put(win, f->top + f->lines - 1, 2, f->cols - 4, THEME_HINT,
            f->restored ? "Your saved draft was restored. Ctrl-S sends it; Esc keeps it."
                        : "Saved as you type. Ctrl-S sends; Esc leaves and keeps the draft.");
        all = true;
        f->dirty = false;
    }
    struct widget *s = stars_widget(f->stars), *t = textarea_widget(f->comment);
    if (all || s->dirty)
        widget_draw(s, win, f->focus == FOCUS_STARS);
    if (all || t->dirty) {
        widget_draw(t, win, f->focus == FOCUS_COMMENT);
        if ((int)textarea_remaining(f->comment) != f->counter_shown)
            draw_counter(f, win);
    }
}

static bool cursor(struct screen *scr, int *y, int *x)
{
    struct feedback *f = (struct feedback *)scr;
    return f->focus == FOCUS_COMMENT && widget_cursor(textarea_widget(f->comment), y, x);
}

/* ---- submitting ---- */

static void sent(struct feedback *f, const char *what)
{
    struct app *a = f->base.app;
    draft_remove(f->id);
    f->save_pending = false;
    app_status(a, APP_OK, "%s", what);
    app_pop(a);
}

/* Puts the draft in the outbox; true when it is there (durably), with the form closed. */
static bool queue(struct feedback *f, const char *what)
{
    struct app *a = f->base.app;
    const struct config *cfg = app_config(a);
    struct submission sub = {.kind = API_FEEDBACK, .session_id = f->id,
                             .rating = f->draft.rating, .comment = f->draft.comment,
                             .key = f->draft.key, .queued_at = time(NULL)};
    char err[300];
    if (!outbox_add(cfg->api_url, cfg->token, &sub, err, sizeof err)) {
        app_status(a, APP_ERROR, "Cannot send and cannot queue: %s. The draft is kept; Ctrl-S "
                   "to retry.", err);
        return false;
    }
    alerts_feedback(f->mentee, f->draft.rating, true);
    sent(f, what);
    return true;
}

static void on_submitted(void *owner, struct api_result *res)
{
    struct feedback *f = owner;
    f->submitting = false;
    enum outbox_verdict v = outbox_verdict_of(res);
    if (v == OUTBOX_VERDICT_DONE) {
        api_result_free(res);
        alerts_feedback(f->mentee, f->draft.rating, false);
        sent(f, "Feedback sent. Thank you!");
        return;
    }
    if (v == OUTBOX_VERDICT_LATER || v == OUTBOX_VERDICT_UNKNOWN) {
        queue(f, "The platform cannot be reached: feedback queued, will be sent.");
    } else {
        char *msg = sanitize(res ? res->message : "out of memory", SANITIZE_LINE);
        app_status(f->base.app, APP_ERROR, "Feedback not sent: %s. The draft is kept.", msg);
        free(msg);
    }
    api_result_free(res);
}

static void submit(struct feedback *f)
{
    struct app *a = f->base.app;
    if (f->submitting)
        return;
    if (stars_value(f->stars) == 0) {
        f->focus = FOCUS_STARS;
        f->dirty = true;
        app_status(a, APP_ERROR, "Choose a rating first: press 1 to 5.");
        return;
    }
    save_now(f);
    const struct config *cfg = app_config(a);
    if (outbox_must_follow(cfg->api_url, cfg->token, f->id)) {
        /* The session's completion (or an earlier try) is still queued: this one goes
         * behind it, and the flush sends both in order. */
        if (queue(f, "Feedback queued behind this session's earlier submission; sending "
                     "them in order."))
            app_flush_outbox(a);
        return;
    }
    struct api_call call = {.kind = API_FEEDBACK, .session_id = f->id,
                            .rating = f->draft.rating, .comment = f->draft.comment,
                            .idempotency_key = f->draft.key};
    f->submitting = app_call(a, &call, on_submitted, f);
    if (f->submitting)
        app_status(a, APP_PROGRESS, "Sending the feedback\u2026");
}

/* ---- keys ---- */

static bool on_key(struct screen *scr, struct key k)
{
    struct feedback *f = (struct feedback *)scr;
    struct widget *w = f->focus == FOCUS_STARS ? stars_widget(f->stars)
                                               : textarea_widget(f->comment);
    int r = widget_on_key(w, k);
    if (r & WIDGET_CHANGED)
        changed(f);
    return r & WIDGET_HANDLED;
}

static void on_action(struct screen *scr, int action)
{
    struct feedback *f = (struct feedback *)scr;
    switch (action) {
    case ACT_SUBMIT: submit(f); break;
    case ACT_NEXT_FIELD:
        f->focus = f->focus == FOCUS_STARS ? FOCUS_COMMENT : FOCUS_STARS;
        f->dirty = true;
        break;
    }
}

static bool can_leave(struct screen *scr)
{
    struct feedback *f = (struct feedback *)scr;
    if (f->save_pending && !save_now(f)) {
        static const char *const stay_leave[] = {"Stay", "Leave", NULL};
        app_dialog(f->base.app,
                   dialog_new(DLG_LOSE, "The draft is not saved",
                              "The draft cannot be written to disk (see the status line). "
                              "Leaving now loses what you typed; Ctrl-S still sends it.",
                              stay_leave, 0));
        return false;
    }
    if (stars_value(f->stars) || textarea_length(f->comment))
        app_status(f->base.app, APP_INFO, "Draft kept: f in the room takes you back to it.");
    return true;
}

static void on_dialog(struct screen *scr, int tag, int choice)
{
    struct feedback *f = (struct feedback *)scr;
    if (tag == DLG_LOSE && choice == 1) {
        f->save_pending = false; /* the mentor chose to lose it */
        app_pop(f->base.app);
    }
}

static void destroy(struct screen *scr)
{
    struct feedback *f = (struct feedback *)scr;
    if (f->save_pending)
        save_now(f);
    if (f->base.app)
        app_forget(f->base.app, f);
    widget_destroy(f->stars ? stars_widget(f->stars) : NULL);
    widget_destroy(f->comment ? textarea_widget(f->comment) : NULL);
    draft_clear(&f->draft);
    g_free(f->id);
    g_free(f->mentee);
    free(f);
}

static const struct screen_class feedback_class = {
    .name = "Feedback",
    .keys = keys,
    .n_keys = sizeof keys / sizeof *keys,
    .layout = layout,
    .draw = draw,
    .on_key = on_key,
    .on_action = on_action,
    .on_wake = on_wake,
    .cursor = cursor,
    .can_leave = can_leave,
    .on_dialog = on_dialog,
    .destroy = destroy,
};

struct screen *screen_feedback_new(const char *session_id, const char *mentee)
{
    struct feedback *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->base.cls = &feedback_class;
    f->id = g_strdup(session_id);
    f->mentee = g_strdup(mentee);
    f->stars = stars_new(5);
    f->comment = textarea_new(MAX_COMMENT);
    if (!f->stars || !f->comment) {
        destroy(&f->base);
        return NULL;
    }
    f->restored = draft_load(session_id, &f->draft);
    stars_set(f->stars, f->draft.rating);
    textarea_set_text(f->comment, f->draft.comment);
    f->focus = f->draft.rating ? FOCUS_COMMENT : FOCUS_STARS;
    f->counter_shown = -1;
    f->dirty = true;
    return &f->base;
}
