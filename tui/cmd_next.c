/* next and join --next: which session is current or next, and how a status bar shows it. */
#include "tui/cmd_next.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>

#include "net/submission.h"
#include "net/timestamp.h"
#include "themes/theme.h"
#include "tui/durable.h"
#include "tui/jointime.h"
#include "tui/paths.h"
#include "tui/sanitize.h"
#include "tui/timefmt.h"

#define HORIZON (24 * 3600)    /* nothing further ahead is shown */
#define SOON (10 * 60)         /* waybar's class "soon" */
#define JOIN_AHEAD (15 * 60)   /* join --next takes a session starting this soon */
#define OVER_SHOWN (30 * 60)   /* a session not completed is shown this long past its end */
#define CACHE_LOCK "next-cache.lock"
#define CACHE_MAX (4 * 1024 * 1024)

bool next_parse_format(const char *s, enum next_format *out)
{
    static const char *const names[] = {"plain", "json", "waybar", "tmux"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum next_format)i;
            return true;
        }
    }
    return false;
}

/* ---- which session ---- */

enum state { ST_UPCOMING, ST_SOON, ST_NOW, ST_OVER };
static const char *const state_names[] = {"upcoming", "soon", "now", "over"};

struct pick {
    const struct meeting *m;
    enum state state;
    long minutes; /* to the start, left, or over, rounded up */
    time_t end;
};

static long minutes_up(long secs)
{
    return secs <= 0 ? 0 : (secs + 59) / 60;
}

/* Where m stands at now; false when it is done, called off, long over or beyond HORIZON.
 * The end counts from the later of the start and the join, as the room's timer does. */
static bool classify(const struct meeting *m, time_t now, struct pick *p)
{
    if (meeting_is_completed(m) || meeting_is_cancelled(m) || m->id == NULL)
        return false;
    time_t start = m->scheduled_at;
    time_t joined = start - now <= JOIN_AHEAD ? jointime_for(jointime_get(m->id), start) : 0;
    time_t end = (joined > start ? joined : start) + (time_t)m->duration * 60;
    *p = (struct pick){m, ST_UPCOMING, 0, end};
    if ((now >= start || (joined && now >= joined)) && now < end) {
        p->state = ST_NOW;
        p->minutes = minutes_up((long)(end - now));
    } else if (now >= end && now - end < OVER_SHOWN) {
        p->state = ST_OVER;
        p->minutes = minutes_up((long)(now - end));
        if (p->minutes == 0)
            p->minutes = 1;
    } else if (start > now && start - now <= HORIZON) {
        p->state = start - now <= SOON ? ST_SOON : ST_UPCOMING;
        p->minutes = minutes_up((long)(start - now));
    } else {
        return false;
    }
    return true;
}

/* The session in progress, else one starting within SOON, else one over by less than
 * OVER_SHOWN and not completed, else the next one within HORIZON. */
static bool pick(const struct meeting_list *l, time_t now, struct pick *out)
{
    struct pick best[4] = {{0}}, p;
    for (size_t i = 0; i < l->n; i++)
        if (classify(&l->items[i], now, &p) &&
            (best[p.state].m == NULL || p.m->scheduled_at < best[p.state].m->scheduled_at))
            best[p.state] = p;
    static const enum state order[] = {ST_NOW, ST_SOON, ST_OVER, ST_UPCOMING};
    for (int i = 0; i < 4; i++) {
        if (best[order[i]].m) {
            *out = best[order[i]];
            return true;
        }
    }
    return false;
}

/* "Meera Nair · in 12 min", "… · 23 min left", "… · 4 min over", unsanitized. */
static char *line_text(const struct pick *p, bool stale)
{
    char when[48];
    long m = p->minutes;
    switch (p->state) {
    case ST_NOW: snprintf(when, sizeof when, "%ld min left", m); break;
    case ST_OVER: snprintf(when, sizeof when, "%ld min over", m); break;
    default:
        if (m < 60)
            snprintf(when, sizeof when, "in %ld min", m);
        else if (m % 60)
            snprintf(when, sizeof when, "in %ld h %ld min", m / 60, m % 60);
        else
            snprintf(when, sizeof when, "in %ld h", m / 60);
        break;
    }
    const char *name = p->m->user.name && *p->m->user.name ? p->m->user.name : "Session";
    return g_strdup_printf("%s \u00b7 %s%s", name, when, stale ? " (stale)" : "");
}

/* ---- the cache: one file per token (named by its fingerprint):
 *     dheya-meet-next 2 FETCHED_AT TRIED_AT ORIGIN ACCOUNT
 *     why the try at TRIED_AT failed (one line, empty when none)
 *     the sessions as JSON
 * FETCHED_AT is 0 when no list was ever fetched (the JSON is then an empty list); TRIED_AT
 * is a failed try since (maybe in the same second), else 0. ---- */

#define CACHE_NAME "dheya-meet-next"
#define CACHE_VERSION "2"

struct cache {
    struct meeting_list list;
    time_t fetched_at;
    time_t tried_at;
    char *failure; /* sanitized, or NULL */
    bool found;
};

static void cache_clear(struct cache *c)
{
    meeting_list_clear(&c->list);
    free(c->failure);
    memset(c, 0, sizeof *c);
}

static void cache_read(const char *dir, const char *origin, const char *account,
                       struct cache *c)
{
    memset(c, 0, sizeof *c);
    char err[300];
    size_t len;
    char *name = g_strconcat("next-", account, NULL);
    char *text = durable_read(dir, name, CACHE_MAX, &len, err, sizeof err);
    g_free(name);
    char *nl = text ? strchr(text, '\n') : NULL;
    char *nl2 = nl ? strchr(nl + 1, '\n') : NULL;
    if (nl2) {
        *nl = *nl2 = '\0';
        char **f = g_strsplit(text, " ", -1);
        /* f: "dheya-meet-next", "2", FETCHED_AT, TRIED_AT, ORIGIN, ACCOUNT */
        bool mine = g_strv_length(f) == 6 && strcmp(f[0], CACHE_NAME) == 0 &&
                    strcmp(f[1], CACHE_VERSION) == 0 && strcmp(f[4], origin) == 0 &&
                    strcmp(f[5], account) == 0;
        if (mine && meeting_list_decode(nl2 + 1, len - (size_t)(nl2 + 1 - text), &c->list,
                                        err, sizeof err)) {
            c->fetched_at = (time_t)g_ascii_strtoll(f[2], NULL, 10);
            c->tried_at = (time_t)g_ascii_strtoll(f[3], NULL, 10);
            c->failure = nl[1] ? sanitize(nl + 1, SANITIZE_LINE) : NULL;
            c->found = true;
        }
        g_strfreev(f);
    }
    free(text);
}

static void cache_write(const char *dir, const char *origin, const char *account,
                        const struct cache *c)
{
    char *json = meeting_list_to_json(&c->list);
    if (json == NULL)
        return;
    char *text = g_strdup_printf(CACHE_NAME " " CACHE_VERSION " %lld %lld %s %s\n%s\n%s",
                                 (long long)c->fetched_at, (long long)c->tried_at, origin,
                                 account, c->failure ? c->failure : "", json);
    char err[300];
    char *name = g_strconcat("next-", account, NULL);
    if (!durable_write(dir, name, text, strlen(text), err, sizeof err))
        fprintf(stderr, "dheya-meet: the answer is not cached: %s\n", err);
    g_free(name);
    g_free(text);
    free(json);
}

static void got(void *ud, struct api_result *res)
{
    *(struct api_result **)ud = res;
}

/* Blocking: the call's result (NULL when out of memory); caller frees. Runs the engine until
 * all its requests have ended (it has no other: cmd_call's context would send the outbox). */
static struct api_result *call_wait(struct http_engine *e, struct api *api,
                                    const struct api_call *call)
{
    struct api_result *res = NULL;
    if (api_start(api, call, got, &res))
        http_wait(e);
    return res;
}

/* The sessions from the platform, on an engine of our own (see cmd_next.h), in one request:
 * the status bar's next call is the retry, and the cache spaces those. */
static struct api_result *fetch(const struct config *cfg)
{
    struct http_config hc;
    cmd_http_config(cfg, &hc);
    hc.max_retries = 0;
    struct http_engine *e = http_engine_new(&hc);
    struct api *api = e ? api_new(e, cfg->api_url, cfg->token) : NULL;
    struct api_call call = {.kind = API_SESSIONS};
    struct api_result *res = api ? call_wait(e, api, &call) : NULL;
    api_free(api);
    http_engine_free(e);
    return res;
}

/* ---- the formats ---- */

static void tmux_colour(short c, GString *out)
{
    static const char *const names[] = {"black", "red", "green", "yellow",
                                        "blue", "magenta", "cyan", "white"};
    if (c < 0)
        g_string_append(out, "default");
    else if (c < 8)
        g_string_append(out, names[c]);
    else if (c < 16)
        g_string_append_printf(out, "bright%s", names[c - 8]);
    else
        g_string_append_printf(out, "colour%d", c);
}

/* "#[fg=yellow,bg=default,bold]" for the theme's slot, or "" when it has no style. */
static void tmux_style(enum theme_slot slot, GString *out)
{
    short fg, bg;
    attr_t attrs;
    GString *s = g_string_new(NULL);
    if (theme_resolve(slot, 256, &fg, &bg, &attrs)) {
        g_string_append(s, "fg=");
        tmux_colour(fg, s);
        g_string_append(s, ",bg=");
        tmux_colour(bg, s);
    }
    static const struct {
        attr_t a;
        const char *name;
    } map[] = {{A_BOLD, "bold"}, {A_DIM, "dim"}, {A_UNDERLINE, "underscore"},
               {A_REVERSE, "reverse"}, {A_STANDOUT, "reverse"}, {A_ITALIC, "italics"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if ((attrs & map[i].a) && !strstr(s->str, map[i].name))
            g_string_append_printf(s, "%s%s", s->len ? "," : "", map[i].name);
    if (s->len)
        g_string_append_printf(out, "#[%s]", s->str);
    g_string_free(s, TRUE);
}

/* tmux reads #(cmd), #{…} and #[style] in what it shows: every # from the server is
 * doubled. */
static void tmux_text(const char *text, GString *out)
{
    for (const char *p = text; *p; p++) {
        if (*p == '#')
            g_string_append_c(out, '#');
        g_string_append_c(out, *p);
    }
}

static char *tooltip(const struct pick *p, time_t now, time_t fetched_at, bool stale)
{
    const struct meeting *m = p->m;
    char when[80], to[16], rel[64];
    timefmt_local(m->scheduled_at, when, sizeof when);
    struct tm tm;
    time_t end = m->scheduled_at + (time_t)m->duration * 60;
    localtime_r(&end, &tm);
    strftime(to, sizeof to, "%H:%M", &tm);
    timefmt_relative(now, m->scheduled_at, m->duration, rel, sizeof rel);
    GString *s = g_string_new(NULL);
    g_string_printf(s, "Session %d with %s\n%s\n%s to %s (%s)", m->session_number,
                    m->user.name ? m->user.name : "?", m->package_name ? m->package_name : "",
                    when, to, rel);
    if (stale) {
        char as_of[16];
        localtime_r(&fetched_at, &tm);
        strftime(as_of, sizeof as_of, "%H:%M", &tm);
        g_string_append_printf(s, "\nThe platform cannot be reached: as of %s", as_of);
    }
    return g_string_free(s, FALSE);
}

/* j as one line of JSON (the reference is taken), or NULL when out of memory. */
static char *json_line(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(j);
    char *line = g_strdup(s);
    free(s);
    return line;
}

static char *format_line(enum next_format format, const struct pick *p, time_t now,
                         time_t fetched_at, bool stale)
{
    char *raw = line_text(p, stale);
    char *text = sanitize(raw, SANITIZE_LINE);
    g_free(raw);
    const struct meeting *m = p->m;
    char *line = NULL;
    switch (format) {
    case NEXT_PLAIN:
        line = g_strdup(text);
        break;
    case NEXT_TMUX: {
        static const enum theme_slot slots[] = {
            [ST_UPCOMING] = THEME_TIMER_NORMAL, [ST_SOON] = THEME_TIMER_WARNING,
            [ST_NOW] = THEME_OK, [ST_OVER] = THEME_TIMER_OVER};
        GString *out = g_string_new(NULL);
        tmux_style(slots[p->state], out);
        bool styled = out->len > 0;
        tmux_text(text, out);
        if (styled)
            g_string_append(out, "#[default]");
        line = g_string_free(out, FALSE);
        break;
    }
    case NEXT_WAYBAR: {
        char *tip_raw = tooltip(p, now, fetched_at, stale);
        char *tip = sanitize(tip_raw, SANITIZE_MULTILINE);
        g_free(tip_raw);
        char *text_markup = g_markup_escape_text(text, -1);
        char *tip_markup = g_markup_escape_text(tip, -1);
        json_t *cls = stale ? json_pack("[s, s]", state_names[p->state], "stale")
                            : json_string(state_names[p->state]);
        line = json_line(json_pack("{s:s, s:s, s:o, s:s}", "text", text_markup, "tooltip",
                                   tip_markup, "class", cls, "alt", state_names[p->state]));
        g_free(text_markup);
        g_free(tip_markup);
        free(tip);
        break;
    }
    case NEXT_JSON: {
        char start[32];
        timestamp_format_utc(m->scheduled_at, start);
        char *mentee = sanitize(m->user.name, SANITIZE_LINE);
        char *pkg = sanitize(m->package_name, SANITIZE_LINE);
        char *id = sanitize(m->id, SANITIZE_LINE);
        line = json_line(json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:I, s:b}",
                                   "text", text, "state", state_names[p->state], "id", id,
                                   "mentee", mentee, "package", pkg, "sessionNumber",
                                   m->session_number, "scheduledAt", start, "duration",
                                   m->duration, "minutes", (json_int_t)p->minutes, "stale",
                                   stale));
        free(mentee);
        free(pkg);
        free(id);
        break;
    }
    }
    free(text);
    return line;
}

char *next_line(enum next_format format, const struct meeting_list *l, time_t now,
                time_t fetched_at, bool stale)
{
    struct pick p;
    return pick(l, now, &p) ? format_line(format, &p, now, fetched_at, stale) : NULL;
}

/* ---- next ---- */

static bool identity_ok(const struct config *cfg, int *st)
{
    char why[400];
    if (cfg->api_url == NULL) {
        fprintf(stderr, "dheya-meet: no platform address: pass --api URL, set DHEYA_API_URL, "
                "or put api_url = URL in the config file\n");
        *st = EXIT_USAGE;
    } else if (!http_url_allowed(cfg->api_url, why, sizeof why)) {
        char *clean = sanitize(why, SANITIZE_LINE);
        fprintf(stderr, "dheya-meet: the platform address is refused: %s\n", clean);
        free(clean);
        *st = EXIT_USAGE;
    } else if (cfg->token == NULL) {
        fprintf(stderr, "dheya-meet: no token: set DHEYA_TOKEN, or token / token_file in the "
                "config file\n");
        *st = EXIT_TOKEN;
    } else {
        return true;
    }
    return false;
}

int cmd_next(const struct config *cfg, enum next_format format, int max_age)
{
    int st = EXIT_OK;
    if (!identity_ok(cfg, &st))
        return st;
    char *origin = submission_origin(cfg->api_url);
    char *account = submission_account(cfg->token);
    char *dir = paths_state_dir(NULL);
    char err[300];
    bool have_dir = dir && durable_mkdirs(dir, err, sizeof err);
    int lock = -1;
    if (have_dir) {
        /* One status bar refreshes while the others wait for its answer, then read it. */
        char *path = g_build_filename(dir, CACHE_LOCK, NULL);
        lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        g_free(path);
        if (lock >= 0 && flock(lock, LOCK_EX) != 0) {
            close(lock);
            lock = -1;
        }
    }
    time_t now = time(NULL);
    struct cache c = {0};
    bool cacheable = have_dir && origin && account;
    if (cacheable)
        cache_read(dir, origin, account, &c);
    /* A failed try (no connection, 5xx, 429) counts as an answer here: a platform in
     * trouble, often under load, must not get a request per status-bar poll. */
    time_t last = c.tried_at > c.fetched_at ? c.tried_at : c.fetched_at;
    bool asked = !(c.found && last <= now && now - last < max_age);
    if (asked) {
        struct api_result *res = fetch(cfg);
        if (res && res->status == NET_OK) {
            meeting_list_clear(&c.list);
            c.list = res->sessions;
            memset(&res->sessions, 0, sizeof res->sessions);
            c.fetched_at = now;
            c.tried_at = 0;
            free(c.failure);
            c.failure = NULL;
        } else if (res && net_status_is_transient(res->status)) {
            c.tried_at = now;
            free(c.failure);
            c.failure = sanitize(res->message, SANITIZE_LINE);
        } else {
            st = cmd_report(res, "cannot load the sessions");
        }
        if (st == EXIT_OK && cacheable)
            cache_write(dir, origin, account, &c);
        api_result_free(res);
    }
    if (lock >= 0)
        close(lock);
    if (st == EXIT_OK && c.fetched_at) {
        char *line = next_line(format, &c.list, now, c.fetched_at, c.tried_at != 0);
        if (line)
            printf("%s\n", line);
        g_free(line);
    } else if (st == EXIT_OK) {
        /* Never fetched, and the last try failed (now, or within max_age). */
        char at[16] = "";
        struct tm tm;
        if (!asked && localtime_r(&c.tried_at, &tm))
            strftime(at, sizeof at, "%H:%M:%S", &tm);
        fprintf(stderr, "dheya-meet: cannot load the sessions: %s", c.failure ? c.failure : "");
        if (*at)
            fprintf(stderr, " (at %s; asked again after --max-age, %d s)", at, max_age);
        fputc('\n', stderr);
        st = EXIT_FAIL;
    }
    fflush(stdout);
    cache_clear(&c);
    g_free(origin);
    g_free(account);
    g_free(dir);
    return st;
}

/* ---- join --next ---- */

const struct meeting *next_joinable(const struct meeting_list *l, time_t now,
                                    const struct meeting **later)
{
    /* In progress first: within its booked time; of two, the one started last, as the
     * other is the likelier to have ended unmarked. Else the first to start within
     * JOIN_AHEAD, as the status line (pick) names it too: a mentor still in a meeting that
     * runs over needs no J, one who left it without ending it wants the next. Else one past
     * its time and not completed (the meeting runs on until someone ends it). */
    const struct meeting *running = NULL, *over = NULL, *chosen = NULL;
    for (size_t i = 0; i < l->n; i++) {
        struct pick p;
        if (!classify(&l->items[i], now, &p))
            continue;
        time_t start = p.m->scheduled_at;
        if (p.state == ST_NOW) {
            if (running == NULL || start > running->scheduled_at)
                running = p.m;
        } else if (p.state == ST_OVER) {
            if (over == NULL || start > over->scheduled_at)
                over = p.m;
        } else if (start - now <= JOIN_AHEAD &&
                   (chosen == NULL || start < chosen->scheduled_at)) {
            chosen = p.m;
        }
    }
    if (running || chosen || over)
        return running ? running : chosen ? chosen : over;
    if (later == NULL)
        return NULL;
    *later = NULL;
    for (size_t i = 0; i < l->n; i++) {
        const struct meeting *m = &l->items[i];
        if (!meeting_is_completed(m) && !meeting_is_cancelled(m) && m->scheduled_at > now &&
            (*later == NULL || m->scheduled_at < (*later)->scheduled_at))
            *later = m;
    }
    return NULL;
}

char *next_nothing_to_join(const struct meeting *later, time_t now, bool brief)
{
    const char *lead = brief ? "Nothing to join within 15 min"
                             : "no session is running or starts within 15 minutes";
    if (later == NULL)
        return g_strdup_printf("%s, and none is booked after now", lead);
    char when[80], rel[64];
    timefmt_local(later->scheduled_at, when, sizeof when);
    timefmt_relative(now, later->scheduled_at, later->duration, rel, sizeof rel);
    char *who = sanitize(later->user.name, SANITIZE_LINE);
    char *msg = brief ? g_strdup_printf("%s; the next one is with %s %s", lead, who, rel)
                      : g_strdup_printf("%s; the next one is with %s on %s (%s)", lead, who,
                                        when, rel);
    free(who);
    return msg;
}

int cmd_join_next(struct cmd_context *ctx)
{
    cmd_flush_start(ctx);
    int st;
    struct api_result *res = cmd_sessions(ctx, &st);
    if (res == NULL)
        return cmd_finish(ctx, st);
    time_t now = time(NULL);
    const struct meeting *later = NULL;
    const struct meeting *chosen = next_joinable(&res->sessions, now, &later);
    if (chosen) {
        char *id = g_strdup(chosen->id);
        api_result_free(res);
        st = cmd_join(ctx, id);
        g_free(id);
        return st;
    }
    char *msg = next_nothing_to_join(later, now, false);
    fprintf(stderr, "dheya-meet: %s\n", msg);
    g_free(msg);
    api_result_free(res);
    return cmd_finish(ctx, EXIT_FAIL);
}
