#include "tui/alerts.h"

#include <string.h>

#include <glib.h>

#include "tui/jointime.h"
#include "tui/notify.h"
#include "tui/reminders.h"

#define REFRESH_SECONDS 60

static struct {
    bool on;
    const struct config *cfg;
    struct api *api;
    struct alerts_hooks hooks;
    void *ud;
    struct meeting_list list;
    bool fetching;
    time_t fetched_at; /* when the last refresh started; 0: never */
    bool fresh;        /* a refresh came in since the last tick: check it at once */
    struct reminders_store *store;
    GHashTable *over; /* ids the room saw completed or cancelled */
} al;

static void alert(const char *summary, const char *body, const char *join_id)
{
    notify_send(summary, body, join_id);
    if (al.on && al.hooks.sent)
        al.hooks.sent(al.ud, summary, body);
}

static const struct meeting *find(const char *id)
{
    for (size_t i = 0; i < al.list.n; i++)
        if (al.list.items[i].id && strcmp(al.list.items[i].id, id) == 0)
            return &al.list.items[i];
    return NULL;
}

static void on_join(void *ud, const char *id)
{
    if (al.hooks.join)
        al.hooks.join(al.ud, id, find(id));
}

static void on_unavailable(void *ud, const char *why)
{
    if (al.hooks.unavailable)
        al.hooks.unavailable(al.ud, why);
}

bool alerts_start(const struct config *cfg, struct api *api, const struct alerts_hooks *hooks,
                  void *ud)
{
    if (al.on || !cfg->notify)
        return false;
    static const struct notify_hooks nh = {.join = on_join, .unavailable = on_unavailable};
    if (!notify_start("dheya-meet", &nh, NULL))
        return false;
    al.on = true;
    al.cfg = cfg;
    al.api = api;
    al.hooks = *hooks;
    al.ud = ud;
    al.store = reminders_store_open();
    al.over = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    /* The first fetch at the second tick, not the first: the screen's own first load goes
     * out alone, and its frame does not wait on decoding every session (make bench). */
    al.fetched_at = time(NULL) - REFRESH_SECONDS + 1;
    return true;
}

void alerts_stop(void)
{
    if (!al.on)
        return;
    api_cancel(al.api, &al);
    notify_stop();
    meeting_list_clear(&al.list);
    reminders_store_free(al.store);
    g_hash_table_destroy(al.over);
    memset(&al, 0, sizeof al);
}

int alerts_fd(void)
{
    return notify_fd();
}

void alerts_dispatch(void)
{
    notify_dispatch();
}

static void on_sessions(void *ud, struct api_result *res)
{
    al.fetching = false;
    if (al.hooks.loaded)
        al.hooks.loaded(al.ud, res);
    if (res && res->status == NET_OK) {
        meeting_list_clear(&al.list);
        al.list = res->sessions;
        memset(&res->sessions, 0, sizeof res->sessions);
        al.fresh = true;
    }
    api_result_free(res);
}

/* The recorded join time, read from the state directory only when it can matter: around
 * the start's reminders (a mentor who joined early gets none), and near or after the booked
 * end. */
static time_t joined_of(const struct meeting *m, time_t now)
{
    if (!reminders_need_join(m, now, al.cfg->remind, al.cfg->n_remind))
        return 0;
    return jointime_for(jointime_get(m->id), m->scheduled_at);
}

static bool claimed(const char (*keys)[REMINDERS_KEY_MAX], int n, const struct meeting *m,
                    time_t now)
{
    return reminders_store_claim(al.store, keys, n, m->scheduled_at, now) == REMINDERS_SEND;
}

struct news {
    const struct meeting *m;
    time_t now;
};

static void on_participant(void *ud, const struct participant *p, const char *key)
{
    struct news *n = ud;
    char keys[1][REMINDERS_KEY_MAX];
    g_strlcpy(keys[0], key, sizeof keys[0]);
    if (!claimed(keys, 1, n->m, n->now))
        return;
    char *body = g_strdup_printf("%s joined the meeting of session %d",
                                 p->name && *p->name ? p->name : "Someone",
                                 n->m->session_number);
    alert("Participant joined", body, NULL);
    g_free(body);
}

static void check(const struct meeting *m, time_t now)
{
    if (m->id == NULL || g_hash_table_contains(al.over, m->id))
        return;
    struct reminder r;
    if (reminders_due(m, now, al.cfg->remind, al.cfg->n_remind, joined_of(m, now), &r) &&
        claimed((const char (*)[REMINDERS_KEY_MAX])r.keys, r.n_keys, m, now)) {
        char *summary, *body;
        reminders_text(&r, m, now, &summary, &body);
        alert(summary, body, r.kind == REMINDER_START ? m->id : NULL);
        g_free(summary);
        g_free(body);
    }
    struct news n = {m, now};
    reminders_joined(m, now, on_participant, &n);
}

void alerts_tick(time_t now)
{
    if (!al.on)
        return;
    notify_check();
    if (!al.fetching && (al.fetched_at == 0 || now - al.fetched_at >= REFRESH_SECONDS)) {
        struct api_call call = {.kind = API_SESSIONS};
        al.fetching = api_start(al.api, &call, on_sessions, &al);
        al.fetched_at = now;
    }
    for (size_t i = 0; i < al.list.n; i++)
        check(&al.list.items[i], now);
    al.fresh = false;
}

time_t alerts_next(time_t now)
{
    if (!al.on)
        return 0;
    if (al.fresh)
        return now;
    /* While a refresh runs, its answer sets fresh; no need to wake for it. */
    time_t next = al.fetching ? now + REFRESH_SECONDS : al.fetched_at + REFRESH_SECONDS;
    for (size_t i = 0; i < al.list.n; i++) {
        const struct meeting *m = &al.list.items[i];
        time_t t = reminders_next(m, now, al.cfg->remind, al.cfg->n_remind, joined_of(m, now));
        if (t && t < next)
            next = t;
    }
    /* A reminder whose record another process held: soon, not at the next mark or refresh. */
    time_t retry = reminders_store_retry_at(al.store);
    if (retry > now && retry < next)
        next = retry;
    return next > now ? next : now;
}

void alerts_seen(const struct meeting *m)
{
    if (!al.on || m->id == NULL)
        return;
    if (meeting_is_completed(m) || meeting_is_cancelled(m)) {
        g_hash_table_add(al.over, g_strdup(m->id));
        return;
    }
    struct news n = {m, time(NULL)};
    reminders_joined(m, n.now, on_participant, &n);
}

void alerts_feedback(const char *mentee, int rating, bool queued)
{
    const char *who = mentee && *mentee ? mentee : "your mentee";
    char *body = queued ? g_strdup_printf("The platform cannot be reached; your feedback on "
                                          "the session with %s is queued and will be sent.",
                                          who)
                        : g_strdup_printf("You rated the session with %s %d/5.", who, rating);
    alert(queued ? "Feedback queued" : "Feedback sent", body, NULL);
    g_free(body);
}

void alerts_delivered(int n)
{
    char *body = g_strdup_printf("%d queued submission%s sent to the platform.", n,
                                 n == 1 ? "" : "s");
    alert("Queued submissions delivered", body, NULL);
    g_free(body);
}
