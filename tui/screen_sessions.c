/* The sessions screen: the mentor's sessions from 12 hours ago on, soonest first, with local
 * times (the zone said once, in the header), mentee, package, session number, status and a
 * countdown that moves with the clock. Enter opens the room. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "themes/theme.h"
#include "tui/app.h"
#include "tui/backoff.h"
#include "tui/cmd_next.h"
#include "tui/sanitize.h"
#include "tui/screens.h"
#include "tui/timefmt.h"
#include "widgets/draw.h"

#define REFRESH_SECONDS 60

enum { ACT_UP, ACT_DOWN, ACT_OPEN, ACT_REFRESH, ACT_JOIN_NEXT, ACT_TOP, ACT_BOTTOM };

static const struct keydef keys[] = {
    {ACT_OPEN, {'\r', '\n', KEYCODE(KEY_ENTER)}, "Enter", "Open", "Open the session's meeting room", true},
    {ACT_REFRESH, {'r', KEYCODE(KEY_F(5))}, "r", "Refresh", "Load the sessions again", true},
    {ACT_JOIN_NEXT, {'J'}, "J", "Join next", "Join the session in progress or starting within 15 min", true},
    {ACT_UP, {KEYCODE(KEY_UP), 'k'}, "\u2191/k", "Up", "Move up", false},
    {ACT_DOWN, {KEYCODE(KEY_DOWN), 'j'}, "\u2193/j", "Down", "Move down", false},
    {ACT_TOP, {KEYCODE(KEY_HOME), 'g'}, "Home/g", "First", "Go to the first session", false},
    {ACT_BOTTOM, {KEYCODE(KEY_END), 'G'}, "End/G", "Last", "Go to the last session", false},
    {SCREEN_ACT_HELP, {'?', KEYCODE(KEY_F(1))}, "?", "Help", "Show the keys", true},
    {SCREEN_ACT_BACK, {'q', KEYCODE(KEY_F(10))}, "q", "Quit", "Quit dheya-meet", true},
};

struct sessions {
    struct screen base;
    struct meeting_list list;
    bool loaded, loading;
    int selected, scroll;
    int top, lines, cols;
    struct backoff refresh; /* when to load the list again */
    bool dirty;
    char error[600];
};

static void load(struct sessions *s);

static void on_loaded(void *owner, struct api_result *res)
{
    struct sessions *s = owner;
    s->loading = false;
    s->dirty = true;
    if (res && res->status == NET_OK) {
        char *old_id = s->loaded && s->selected < (int)s->list.n
                           ? g_strdup(s->list.items[s->selected].id) : NULL;
        meeting_list_clear(&s->list);
        s->list = res->sessions;
        memset(&res->sessions, 0, sizeof res->sessions);
        s->loaded = true;
        s->error[0] = '\0';
        s->selected = 0;
        for (size_t i = 0; old_id && i < s->list.n; i++)
            if (strcmp(s->list.items[i].id, old_id) == 0)
                s->selected = (int)i;
        g_free(old_id);
        if (s->refresh.failures)
            app_status(s->base.app, APP_OK, "The platform answers again.");
        else
            app_status_done(s->base.app);
        backoff_ok(&s->refresh, time(NULL));
        app_online(s->base.app, &s->base);
    } else {
        char *msg = sanitize(res ? res->message : "out of memory", SANITIZE_LINE);
        snprintf(s->error, sizeof s->error, "%s", msg);
        app_status(s->base.app, APP_ERROR, "Cannot load the sessions: %s. Retried by itself "
                   "(r now).", msg);
        free(msg);
        backoff_failed(&s->refresh, time(NULL));
        app_offline(s->base.app, &s->base, s->refresh.next);
    }
    api_result_free(res);
}

static void load(struct sessions *s)
{
    if (s->loading)
        return;
    struct api_call call = {.kind = API_SESSIONS};
    s->loading = app_call(s->base.app, &call, on_loaded, s);
    s->dirty = true;
    /* A retry in the background keeps the failure on the status line; the title counts. */
    if (s->loading && s->refresh.failures == 0)
        app_status(s->base.app, APP_PROGRESS, "Loading sessions\u2026");
}

static void layout(struct screen *scr, int top, int lines, int cols)
{
    struct sessions *s = (struct sessions *)scr;
    s->top = top, s->lines = lines, s->cols = cols;
    s->dirty = true;
}

/* Column widths for the terminal's width: when, countdown, mentee, package, #, status. */
static void columns(int cols, int w[6])
{
    w[0] = 16, w[1] = cols >= 100 ? 22 : 18, w[4] = 2, w[5] = 9;
    int rest = cols - 2 - (w[0] + w[1] + w[4] + w[5]) - 2 * 5;
    w[2] = rest * 11 / 20;
    w[3] = rest - w[2];
}

/* One column of a row in the attributes already set, then the gap to the next. */
static void draw_cell(WINDOW *win, int y, int *x, const char *text, int width)
{
    draw_text(win, y, *x, width, text, (attr_t)getattrs(win));
    *x += width + 2;
}

static void draw_row(struct sessions *s, WINDOW *win, int y, const struct meeting *m,
                     bool selected, time_t now)
{
    int w[6], x = 1;
    columns(s->cols, w);
    char when[64], rel[48], num[16];
    struct tm tm;
    localtime_r(&m->scheduled_at, &tm);
    strftime(when, sizeof when, "%a %d %b %H:%M", &tm);
    timefmt_standing(m, now, rel, sizeof rel);
    snprintf(num, sizeof num, "%d", m->session_number);
    char *mentee = sanitize(m->user.name, SANITIZE_LINE);
    char *pkg = sanitize(m->package_name, SANITIZE_LINE);
    char *status = sanitize(m->status, SANITIZE_LINE);
    enum theme_slot slot = selected ? THEME_SELECTED : THEME_NORMAL;
    wattrset(win, theme_attr(slot));
    mvwhline(win, y, 0, ' ', s->cols);
    draw_cell(win, y, &x, when, w[0]);
    if (!selected) {
        bool soon = !meeting_is_completed(m) && !meeting_is_cancelled(m) &&
                    m->scheduled_at - now < 15 * 60 &&
                    now < m->scheduled_at + m->duration * 60;
        wattrset(win, theme_attr(soon ? THEME_TIMER_WARNING : THEME_HINT));
    }
    draw_cell(win, y, &x, rel, w[1]);
    wattrset(win, theme_attr(slot));
    draw_cell(win, y, &x, mentee, w[2]);
    draw_cell(win, y, &x, pkg, w[3]);
    draw_cell(win, y, &x, num, w[4]);
    draw_cell(win, y, &x, status, w[5]);
    free(mentee);
    free(pkg);
    free(status);
}

static void draw(struct screen *scr, WINDOW *win, bool all)
{
    struct sessions *s = (struct sessions *)scr;
    if (!all && !s->dirty)
        return;
    s->dirty = false;
    time_t now = time(NULL);
    int y = s->top;
    wattrset(win, theme_attr(THEME_NORMAL));
    for (int i = 0; i < s->lines; i++)
        mvwhline(win, s->top + i, 0, ' ', s->cols);
    if (!s->loaded) {
        draw_text(win, y + 1, 2, s->cols - 4,
                  s->error[0] ? s->error : "Loading your sessions\u2026",
                  theme_attr(s->error[0] ? THEME_ERROR : THEME_HINT));
        return;
    }
    if (s->list.n == 0) {
        wattrset(win, theme_attr(THEME_TITLE));
        mvwaddstr(win, y + 1, 2, "No sessions from 12 hours ago on.");
        wattrset(win, theme_attr(THEME_HINT));
        mvwaddstr(win, y + 3, 2, "Sessions appear here once a mentee books one with you on");
        mvwaddstr(win, y + 4, 2, "the Dheya platform. Press r to look again.");
        return;
    }
    int w[6], x = 1;
    columns(s->cols, w);
    char zone[64], when_head[80];
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(zone, sizeof zone, "%Z", &tm);
    snprintf(when_head, sizeof when_head, "WHEN (%s)", zone);
    wattrset(win, theme_attr(THEME_HEADER));
    mvwhline(win, y, 0, ' ', s->cols);
    const char *head[] = {when_head, "STARTS", "MENTEE", "PACKAGE", "#", "STATUS"};
    for (int i = 0; i < 6; i++)
        draw_cell(win, y, &x, head[i], w[i]);
    int rows = s->lines - 1;
    if (s->selected < s->scroll)
        s->scroll = s->selected;
    if (s->selected >= s->scroll + rows)
        s->scroll = s->selected - rows + 1;
    for (int i = 0; i < rows && s->scroll + i < (int)s->list.n; i++)
        draw_row(s, win, y + 1 + i, &s->list.items[s->scroll + i],
                 s->scroll + i == s->selected, now);
}

static void open_room(struct sessions *s, bool join)
{
    if (!s->loaded || s->list.n == 0)
        return;
    struct screen *room = screen_room_new(s->list.items[s->selected].id, join);
    if (room)
        app_push(s->base.app, room);
}

/* J: the session in progress, or the next one starting within 15 minutes. */
static void join_next(struct sessions *s)
{
    time_t now = time(NULL);
    const struct meeting *later = NULL;
    const struct meeting *m = next_joinable(&s->list, now, &later);
    if (m) {
        s->selected = (int)(m - s->list.items);
        s->dirty = true;
        open_room(s, true);
        return;
    }
    char *msg = next_nothing_to_join(later, now, true);
    app_status(s->base.app, APP_INFO, "%s.", msg);
    g_free(msg);
}

static void on_action(struct screen *scr, int action)
{
    struct sessions *s = (struct sessions *)scr;
    int n = (int)s->list.n;
    switch (action) {
    case ACT_UP: if (s->selected > 0) s->selected--; break;
    case ACT_DOWN: if (s->selected < n - 1) s->selected++; break;
    case ACT_TOP: s->selected = 0; break;
    case ACT_BOTTOM: s->selected = n ? n - 1 : 0; break;
    case ACT_OPEN: open_room(s, false); break;
    case ACT_REFRESH: load(s); break;
    case ACT_JOIN_NEXT: join_next(s); break;
    }
    s->dirty = true;
}

static void on_tick(struct screen *scr, time_t now)
{
    struct sessions *s = (struct sessions *)scr;
    if (backoff_due(&s->refresh, now))
        load(s);
    /* Countdowns change once a minute; curses sends only the cells that changed. */
    if (now % 60 == 0)
        s->dirty = true;
}

static void on_resume(struct screen *scr)
{
    load((struct sessions *)scr);
}

static void destroy(struct screen *scr)
{
    struct sessions *s = (struct sessions *)scr;
    app_forget(s->base.app, s);
    meeting_list_clear(&s->list);
    free(s);
}

static const struct screen_class sessions_class = {
    .name = "Sessions",
    .keys = keys,
    .n_keys = sizeof keys / sizeof *keys,
    .layout = layout,
    .draw = draw,
    .on_action = on_action,
    .on_tick = on_tick,
    .on_resume = on_resume,
    .destroy = destroy,
};

struct screen *screen_sessions_new(void)
{
    struct sessions *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->base.cls = &sessions_class;
    s->refresh.interval = REFRESH_SECONDS;
    s->dirty = true;
    return &s->base;
}
