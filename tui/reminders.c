#include "tui/reminders.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib.h>

#include "tui/durable.h"
#include "tui/paths.h"

#define STORE_FILE "reminders"
#define STORE_LOCK "reminders.lock"
#define STORE_MAX (1024 * 1024)
#define KEEP_SECONDS (2 * 24 * 3600)

static bool over(const struct meeting *m)
{
    return meeting_is_completed(m) || meeting_is_cancelled(m);
}

static time_t end_of(const struct meeting *m, time_t joined)
{
    time_t from = joined > m->scheduled_at ? joined : m->scheduled_at;
    return from + (time_t)m->duration * 60;
}

static int largest(const int *marks, int n_marks)
{
    int most = 0;
    for (int i = 0; i < n_marks; i++)
        if (marks[i] > most)
            most = marks[i];
    return most;
}

/* Whether the mentor joined this time of the session, which makes the reminders before its
 * start needless. The join time is kept per session id, once: one from before the first
 * mark (and more than REMINDERS_EARLY_JOIN before the start) is of an earlier time of a
 * session moved since, and must not silence the reminders of the new time. */
static bool joined_this_time(const struct meeting *m, time_t joined, const int *marks,
                             int n_marks)
{
    time_t beyond = (time_t)largest(marks, n_marks) * 60 - REMINDERS_EARLY_JOIN;
    return jointime_for(joined, m->scheduled_at - (beyond > 0 ? beyond : 0)) != 0;
}

/* A session id as it goes into a key: its join-time file name (jointime_file_name), the id
 * itself when plain, else '=' and its SHA-256 in hex, so a hashed id never meets a plain
 * one, and no id of any length is cut short. */
#define KEY_ID_MAX (1 + 64)
/* "ID@START": the session's part of every key; START tells a session moved to another time
 * apart. */
#define KEY_BASE_MAX (KEY_ID_MAX + sizeof "@-9223372036854775808")
/* The longest key, a participant's, fits a key of the record. */
_Static_assert(KEY_BASE_MAX - 1 + sizeof ":joined:-9223372036854775808:0123456789abcdef" <=
                   REMINDERS_KEY_MAX,
               "a reminder key can be longer than REMINDERS_KEY_MAX");

static void key_base(const struct meeting *m, char out[KEY_BASE_MAX])
{
    char *id = jointime_file_name(m->id ? m->id : "");
    snprintf(out, KEY_BASE_MAX, "%s@%lld", id, (long long)m->scheduled_at);
    g_free(id);
}

bool reminders_due(const struct meeting *m, time_t now, const int *marks, int n_marks,
                   time_t joined, struct reminder *out)
{
    if (over(m))
        return false;
    char base[KEY_BASE_MAX];
    key_base(m, base);
    memset(out, 0, sizeof *out);
    out->start = m->scheduled_at;
    out->end = end_of(m, joined);
    if (joined) {
        if (now > out->end && now <= out->end + REMINDERS_LATE_SECONDS) {
            out->kind = REMINDER_TIME_UP;
            snprintf(out->keys[out->n_keys++], REMINDERS_KEY_MAX, "%s:time-up", base);
            return true;
        }
        if (now >= out->end - REMINDERS_FIVE_LEFT && now <= out->end) {
            out->kind = REMINDER_FIVE_LEFT;
            snprintf(out->keys[out->n_keys++], REMINDERS_KEY_MAX, "%s:five-left", base);
            return true;
        }
    }
    if (joined_this_time(m, joined, marks, n_marks))
        return false; /* a reminder to join, and its Join action, come too late */
    out->kind = REMINDER_START;
    for (int i = 0; i < n_marks && out->n_keys < CONFIG_MAX_REMIND; i++) {
        int mark = marks[i];
        bool due = mark > 0 ? now >= m->scheduled_at - (time_t)mark * 60 && now < m->scheduled_at
                            : now >= m->scheduled_at && now < m->scheduled_at + 60;
        if (due)
            snprintf(out->keys[out->n_keys++], REMINDERS_KEY_MAX, "%s:start:%d", base, mark);
    }
    return out->n_keys > 0;
}

static void consider(time_t *best, time_t t, time_t now)
{
    if (t > now && (*best == 0 || t < *best))
        *best = t;
}

time_t reminders_next(const struct meeting *m, time_t now, const int *marks, int n_marks,
                      time_t joined)
{
    if (over(m))
        return 0;
    time_t best = 0;
    if (!joined_this_time(m, joined, marks, n_marks))
        for (int i = 0; i < n_marks; i++)
            consider(&best, m->scheduled_at - (time_t)marks[i] * 60, now);
    time_t end = end_of(m, joined);
    /* Not joined as far as the caller knows: it reads the join time from the earliest "5
     * minutes left" on (reminders_need_join), and finds out then. */
    consider(&best, end - REMINDERS_FIVE_LEFT, now);
    if (joined)
        consider(&best, end + 1, now);
    return best;
}

bool reminders_need_join(const struct meeting *m, time_t now, const int *marks, int n_marks)
{
    if (over(m))
        return false;
    if (n_marks > 0 && now >= m->scheduled_at - (time_t)largest(marks, n_marks) * 60 &&
        now < m->scheduled_at + 60)
        return true;
    return now >= end_of(m, 0) - REMINDERS_FIVE_LEFT &&
           now <= m->scheduled_at + REMINDERS_JOIN_HORIZON;
}

/* "16:35" and the zone's abbreviation, local time. */
static void clock_text(time_t t, bool zone, char *out, size_t outlen)
{
    struct tm tm;
    localtime_r(&t, &tm);
    if ((zone ? strftime(out, outlen, "%Z", &tm) : strftime(out, outlen, "%H:%M", &tm)) == 0 &&
        outlen)
        out[0] = '\0';
}

static const char *mentee(const struct meeting *m)
{
    return m->user.name && *m->user.name ? m->user.name : "your mentee";
}

void reminders_text(const struct reminder *r, const struct meeting *m, time_t now,
                    char **summary, char **body)
{
    char from[16], to[16], zone[64];
    switch (r->kind) {
    case REMINDER_START: {
        long secs = (long)(r->start - now);
        long mins = (secs + 59) / 60;
        if (secs <= 0)
            *summary = g_strdup("Session starting now");
        else if (mins < 60)
            *summary = g_strdup_printf("Session in %ld min", mins);
        else if (mins % 60)
            *summary = g_strdup_printf("Session in %ld h %ld min", mins / 60, mins % 60);
        else
            *summary = g_strdup_printf("Session in %ld h", mins / 60);
        clock_text(r->start, false, from, sizeof from);
        clock_text(r->start + (time_t)m->duration * 60, false, to, sizeof to);
        clock_text(r->start, true, zone, sizeof zone);
        *body = g_strdup_printf("%s \u00b7 %s, session %d\n%s\u2013%s %s", mentee(m),
                                m->package_name ? m->package_name : "",
                                m->session_number, from, to, zone);
        break;
    }
    case REMINDER_FIVE_LEFT:
        clock_text(r->end, false, to, sizeof to);
        *summary = g_strdup("5 minutes left");
        *body = g_strdup_printf("Session %d with %s ends at %s", m->session_number, mentee(m),
                                to);
        break;
    case REMINDER_TIME_UP:
    default:
        *summary = g_strdup("Time is up");
        *body = g_strdup_printf("Session %d with %s: the booked %d min are over",
                                m->session_number, mentee(m), m->duration);
        break;
    }
}

void reminders_joined(const struct meeting *m, time_t now,
                      void (*fn)(void *ud, const struct participant *p, const char *key),
                      void *ud)
{
    char base[KEY_BASE_MAX], key[REMINDERS_KEY_MAX];
    key_base(m, base);
    for (size_t i = 0; i < m->n_participants; i++) {
        const struct participant *p = &m->participants[i];
        if (p->left_at || p->joined_at == 0 || p->joined_at > now + 60 ||
            now - p->joined_at > REMINDERS_NEWS_SECONDS)
            continue;
        if (p->name && m->mentor.name && strcmp(p->name, m->mentor.name) == 0)
            continue;
        char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, p->name ? p->name : "", -1);
        snprintf(key, sizeof key, "%s:joined:%lld:%.16s", base, (long long)p->joined_at, h);
        g_free(h);
        fn(ud, p, key);
    }
}

/* ---- the record of what was sent ---- */

struct reminders_store {
    char *dir;         /* NULL: no state directory; this process remembers alone */
    GHashTable *known; /* key -> start (as a pointer-sized integer), sent as far as we know */
    time_t retry_at;   /* when a claim answered REMINDERS_LATER is worth trying again */
};

struct reminders_store *reminders_store_open(void)
{
    struct reminders_store *st = g_new0(struct reminders_store, 1);
    st->known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char err[300];
    st->dir = paths_state_dir(NULL);
    if (st->dir && !durable_mkdirs(st->dir, err, sizeof err)) {
        g_free(st->dir);
        st->dir = NULL;
    }
    return st;
}

void reminders_store_free(struct reminders_store *st)
{
    if (st == NULL)
        return;
    g_hash_table_destroy(st->known);
    g_free(st->dir);
    g_free(st);
}

/* Adds the file's entries to known. */
static void load(struct reminders_store *st)
{
    char err[300];
    size_t len;
    char *text = durable_read(st->dir, STORE_FILE, STORE_MAX, &len, err, sizeof err);
    if (text == NULL)
        return;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        long long start;
        char key[REMINDERS_KEY_MAX];
        if (sscanf(line, "%lld %159s", &start, key) == 2)
            g_hash_table_insert(st->known, g_strdup(key), GSIZE_TO_POINTER((gsize)start));
    }
    free(text);
}

static void save(struct reminders_store *st, time_t now)
{
    GString *out = g_string_new(NULL);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, st->known);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        long long start = (long long)GPOINTER_TO_SIZE(v);
        if (start < (long long)now - KEEP_SECONDS)
            g_hash_table_iter_remove(&it);
        else
            g_string_append_printf(out, "%lld %s\n", start, (const char *)k);
    }
    char err[300];
    if (!durable_write(st->dir, STORE_FILE, out->str, out->len, err, sizeof err)) {
        /* Remembered in this process all the same; the next write may succeed. */
    }
    g_string_free(out, TRUE);
}

static bool all_known(const struct reminders_store *st, const char (*keys)[REMINDERS_KEY_MAX],
                      int n)
{
    for (int i = 0; i < n; i++)
        if (!g_hash_table_contains(st->known, keys[i]))
            return false;
    return true;
}

enum reminders_claim reminders_store_claim(struct reminders_store *st,
                                           const char (*keys)[REMINDERS_KEY_MAX], int n,
                                           time_t start, time_t now)
{
    if (all_known(st, keys, n))
        return REMINDERS_SKIP;
    int lock = -1;
    if (st->dir) {
        char *path = g_build_filename(st->dir, STORE_LOCK, NULL);
        lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        g_free(path);
        if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(lock);
            if (e == EWOULDBLOCK) {
                st->retry_at = now + REMINDERS_RETRY_SECONDS;
                return REMINDERS_LATER;
            }
            lock = -1;
        }
    }
    if (lock >= 0)
        load(st);
    enum reminders_claim verdict = all_known(st, keys, n) ? REMINDERS_SKIP : REMINDERS_SEND;
    for (int i = 0; i < n; i++)
        g_hash_table_insert(st->known, g_strdup(keys[i]), GSIZE_TO_POINTER((gsize)start));
    if (lock >= 0) {
        if (verdict == REMINDERS_SEND)
            save(st, now);
        close(lock); /* releases the flock */
    }
    return verdict;
}

time_t reminders_store_retry_at(const struct reminders_store *st)
{
    return st->retry_at;
}
