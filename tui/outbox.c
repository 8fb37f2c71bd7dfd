#include "tui/outbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "tui/durable.h"
#include "tui/paths.h"
#include "tui/sanitize.h"

#define MAX_FILE (64 * 1024)

bool outbox_add(const char *api_url, const char *token, const struct submission *s, char *err,
                size_t errlen)
{
    char *dir = paths_state_dir("outbox");
    if (dir == NULL) {
        snprintf(err, errlen, "no state directory (HOME is not set)");
        return false;
    }
    struct submission mine = *s;
    mine.api_url = submission_origin(api_url);
    mine.account = submission_account(token);
    mine.refused = NULL;
    bool ok = mine.api_url && mine.account;
    if (!ok)
        snprintf(err, errlen, "the platform address %.200s does not parse", api_url);
    ok = ok && durable_mkdirs(dir, err, errlen);
    char *text = ok ? submission_encode(&mine) : NULL;
    if (ok && text == NULL) {
        snprintf(err, errlen, "out of memory");
        ok = false;
    }
    if (ok) {
        /* Names sort oldest first: nanoseconds since the epoch, then the key. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        char *name = g_strdup_printf("%lld%09ld-%s.json", (long long)ts.tv_sec, ts.tv_nsec,
                                     s->key);
        ok = durable_write(dir, name, text, strlen(text), err, errlen);
        g_free(name);
    }
    free(text);
    g_free(mine.api_url);
    g_free(mine.account);
    g_free(dir);
    return ok;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The item file names in dir (NAME.json, no dot files), sorted; caller frees with
 * g_strfreev. A missing dir has none. */
static char **item_files(const char *dir)
{
    GPtrArray *names = g_ptr_array_new();
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] != '.' && g_str_has_suffix(e->d_name, ".json"))
            g_ptr_array_add(names, g_strdup(e->d_name));
    }
    if (d)
        closedir(d);
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

static bool read_item(const char *dir, const char *name, struct submission *s)
{
    memset(s, 0, sizeof *s);
    char err[300];
    size_t len = 0;
    char *text = durable_read(dir, name, MAX_FILE, &len, err, sizeof err);
    bool ok = text && submission_decode(text, len, s, err, sizeof err);
    free(text);
    return ok;
}

/* The identity a flush or a count is for. */
struct identity {
    char *origin;  /* submission_origin of the platform address */
    char *account; /* submission_account of the token */
};

static bool identity_init(struct identity *id, const char *api_url, const char *token)
{
    id->origin = submission_origin(api_url);
    id->account = submission_account(token);
    return id->origin && id->account;
}

static void identity_clear(struct identity *id)
{
    g_free(id->origin);
    g_free(id->account);
}

enum owner { MINE, OTHER_ACCOUNT, OTHER_ORIGIN };

/* Whose s is. Its address is normalised again, so that files written before addresses
 * were normalised compare right. A file without an account was written before the token's
 * fingerprint was recorded: we cannot know who queued it, and sending it under the
 * current token is exactly how a mentee's feedback came to be stored as the mentor's. So
 * it is never sent on a guess; it stays queued (nothing is lost) and is counted as another
 * account's. */
static enum owner owner_of(const struct submission *s, const struct identity *id,
                           char *origin_out, size_t origin_len)
{
    char *origin = submission_origin(s->api_url);
    bool same = origin && strcmp(origin, id->origin) == 0;
    if (!same && origin_out && origin_out[0] == '\0')
        snprintf(origin_out, origin_len, "%s", origin ? origin : s->api_url);
    g_free(origin);
    if (!same)
        return OTHER_ORIGIN;
    return s->account && strcmp(s->account, id->account) == 0 ? MINE : OTHER_ACCOUNT;
}

/* Counts the items of dir into c; the ones for session_id (or all) in c->mine. */
static void count_dir(const char *dir, const struct identity *id, const char *session_id,
                      struct outbox_census *c)
{
    char **names = item_files(dir);
    for (int i = 0; names[i]; i++) {
        struct submission s;
        if (!read_item(dir, names[i], &s)) {
            c->unreadable++;
            continue;
        }
        switch (owner_of(&s, id, c->other_origin_url, sizeof c->other_origin_url)) {
        case MINE:
            c->mine += session_id == NULL || strcmp(s.session_id, session_id) == 0;
            break;
        case OTHER_ACCOUNT:
            c->other_account++;
            break;
        case OTHER_ORIGIN:
            c->other_origin++;
            break;
        }
        submission_clear(&s);
    }
    g_strfreev(names);
}

int outbox_count(const char *api_url, const char *token, const char *session_id,
                 struct outbox_census *c)
{
    struct outbox_census local;
    if (c == NULL)
        c = &local;
    memset(c, 0, sizeof *c);
    char *dir = paths_state_dir("outbox");
    struct identity id = {0};
    if (dir && identity_init(&id, api_url, token)) {
        char *claimed = g_build_filename(dir, "claimed", NULL);
        char *rejected = g_build_filename(dir, "rejected", NULL);
        count_dir(dir, &id, session_id, c);
        /* A claimed item is still queued: in flight now, or left by a crashed flush. */
        count_dir(claimed, &id, session_id, c);
        char **names = item_files(rejected);
        c->rejected = (int)g_strv_length(names);
        g_strfreev(names);
        g_free(claimed);
        g_free(rejected);
    }
    identity_clear(&id);
    g_free(dir);
    return c->mine;
}

bool outbox_must_follow(const char *api_url, const char *token, const char *session_id)
{
    return outbox_count(api_url, token, session_id, NULL) > 0;
}

void outbox_each_rejected(void (*fn)(void *ud, const char *path, const struct submission *s),
                          void *ud)
{
    char *base = paths_state_dir("outbox");
    char *dir = base ? g_build_filename(base, "rejected", NULL) : NULL;
    char **names = dir ? item_files(dir) : NULL;
    for (int i = 0; names && names[i]; i++) {
        struct submission s;
        bool ok = read_item(dir, names[i], &s);
        char *path = g_build_filename(dir, names[i], NULL);
        fn(ud, path, ok ? &s : NULL);
        g_free(path);
        if (ok)
            submission_clear(&s);
    }
    g_strfreev(names);
    g_free(dir);
    g_free(base);
}

/* ---- flushing ---- */

struct item {
    char *name;
    struct submission s;
};

struct outbox_flush {
    struct api *api;
    char *dir, *claimed, *rejected;
    int lock_fd;
    struct item *items; /* this identity's, oldest first */
    int n, next;        /* items[next] is in flight, or the next to send */
    struct outbox_report r;
    outbox_done_fn done;
    outbox_note_fn note;
    void *ud;
};

static void note(struct outbox_flush *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct outbox_flush *f, const char *fmt, ...)
{
    if (f->note == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *raw = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *line = sanitize(raw, SANITIZE_LINE);
    f->note(f->ud, line);
    free(line);
    g_free(raw);
}

static void flush_free(struct outbox_flush *f)
{
    if (f->lock_fd >= 0)
        close(f->lock_fd); /* releases the lock */
    for (int i = 0; i < f->n; i++) {
        g_free(f->items[i].name);
        submission_clear(&f->items[i].s);
    }
    g_free(f->items);
    g_free(f->dir);
    g_free(f->claimed);
    g_free(f->rejected);
    g_free(f);
}

static char *path_of(const char *dir, const char *name)
{
    return g_build_filename(dir, name, NULL);
}

/* Moves name from one directory to another; false with errno set. */
static bool move(const char *from_dir, const char *to_dir, const char *name)
{
    char *from = path_of(from_dir, name), *to = path_of(to_dir, name);
    bool ok = rename(from, to) == 0;
    int e = errno;
    g_free(from);
    g_free(to);
    errno = e;
    return ok;
}

/* Puts back in the queue what a crashed flush left claimed. The caller holds the lock, so
 * nothing in claimed/ is in flight. */
static void recover_claimed(struct outbox_flush *f)
{
    char **names = item_files(f->claimed);
    for (int i = 0; names[i]; i++)
        move(f->claimed, f->dir, names[i]);
    g_strfreev(names);
}

static const char *describe(const struct submission *s)
{
    return s->kind == API_FEEDBACK ? "feedback" : "completion";
}

enum outbox_verdict outbox_verdict_of(const struct api_result *res)
{
    if (res == NULL)
        return OUTBOX_VERDICT_BLOCKED;
    switch (res->status) {
    case NET_OK:
        return OUTBOX_VERDICT_DONE;
    case NET_UNAUTHORIZED:
        return OUTBOX_VERDICT_TOKEN;
    case NET_FORBIDDEN:
    case NET_NOT_FOUND:
    case NET_CONFLICT:
    case NET_BAD_REQUEST:
        return OUTBOX_VERDICT_REFUSED;
    case NET_BAD_RESPONSE:
        return OUTBOX_VERDICT_UNKNOWN;
    case NET_CONNECT:
    case NET_TIMEOUT:
    case NET_RATE_LIMITED:
    case NET_SERVER:
        return OUTBOX_VERDICT_LATER;
    case NET_TLS:
    case NET_REDIRECT:
    case NET_REFUSED_URL:
    case NET_INTERNAL:
        break;
    }
    return OUTBOX_VERDICT_BLOCKED;
}

/* Writes the refused item to rejected/ with the platform's reason, then drops its claim. */
static bool set_aside(struct outbox_flush *f, struct item *it, const char *why)
{
    char err[300];
    it->s.refused = g_strdup(why);
    char *text = submission_encode(&it->s);
    bool ok = text && durable_mkdirs(f->rejected, err, sizeof err) &&
              durable_write(f->rejected, it->name, text, strlen(text), err, sizeof err);
    free(text);
    if (ok) {
        char *claimed = path_of(f->claimed, it->name);
        unlink(claimed);
        g_free(claimed);
    }
    return ok;
}

static void on_sent(void *ud, struct api_result *res);

/* Claims and sends items[next]. False when nothing is in flight: every item is done, or
 * one could not be claimed or started (it and the rest stay queued). */
static bool send_next(struct outbox_flush *f)
{
    while (f->next < f->n) {
        struct item *it = &f->items[f->next];
        /* The claim is the rename: atomic, and recoverable after a crash. */
        if (!move(f->dir, f->claimed, it->name)) {
            if (errno == ENOENT) { /* removed meanwhile (by hand): nothing to send */
                f->next++;
                continue;
            }
            return false;
        }
        struct api_call call = {.kind = it->s.kind, .session_id = it->s.session_id,
                                .rating = it->s.rating, .comment = it->s.comment,
                                .idempotency_key = it->s.key};
        if (api_start(f->api, &call, on_sent, f))
            return true;
        move(f->claimed, f->dir, it->name);
        return false;
    }
    return false;
}

static void finish(struct outbox_flush *f)
{
    f->r.kept += f->n - f->next; /* not sent: the item it stopped at and the rest */
    if (f->lock_fd >= 0) {
        close(f->lock_fd);
        f->lock_fd = -1;
    }
    f->done(f->ud, &f->r);
    flush_free(f);
}

static void on_sent(void *ud, struct api_result *res)
{
    struct outbox_flush *f = ud;
    struct item *it = &f->items[f->next];
    const char *what = describe(&it->s), *id = it->s.session_id;
    const char *why = res ? res->message : "out of memory";
    bool go_on = true;
    switch (outbox_verdict_of(res)) {
    case OUTBOX_VERDICT_DONE: {
        char *claimed = path_of(f->claimed, it->name);
        unlink(claimed);
        g_free(claimed);
        note(f, "sent the queued %s for session %s", what, id);
        f->r.sent++;
        f->next++;
        break;
    }
    case OUTBOX_VERDICT_REFUSED:
        if (set_aside(f, it, why)) {
            note(f, "the queued %s for session %s was refused: %s; kept in outbox/rejected/",
                 what, id, why);
            f->r.rejected++;
            f->next++;
            break;
        }
        /* Not set aside: keep it queued rather than lose it. */
        move(f->claimed, f->dir, it->name);
        note(f, "the queued %s for session %s was refused (%s) but could not be moved to "
             "outbox/rejected/; it stays queued", what, id, why);
        go_on = false;
        break;
    case OUTBOX_VERDICT_TOKEN:
        f->r.token_rejected = true;
        /* fall through */
    case OUTBOX_VERDICT_LATER:
    case OUTBOX_VERDICT_BLOCKED:
        move(f->claimed, f->dir, it->name);
        note(f, "the queued %s for session %s is still queued: %s", what, id, why);
        go_on = false;
        break;
    case OUTBOX_VERDICT_UNKNOWN:
        move(f->claimed, f->dir, it->name);
        note(f, "the queued %s for session %s is still queued: %s; the platform may have "
             "stored it, and sending it again with the same key will settle that", what, id,
             why);
        go_on = false;
        break;
    }
    api_result_free(res);
    if (go_on && send_next(f))
        return;
    if (go_on && f->next < f->n)
        note(f, "the queued %s for session %s stays queued: it could not be claimed or sent "
             "(%s)", describe(&f->items[f->next].s), f->items[f->next].s.session_id,
             strerror(errno));
    finish(f);
}

struct outbox_flush *outbox_flush_start(struct api *api, const char *api_url,
                                        const char *token, outbox_done_fn done,
                                        outbox_note_fn note_fn, void *ud,
                                        enum outbox_start *how)
{
    enum outbox_start local;
    if (how == NULL)
        how = &local;
    *how = OUTBOX_FAILED;
    struct outbox_flush *f = g_new0(struct outbox_flush, 1);
    *f = (struct outbox_flush){.api = api, .lock_fd = -1, .done = done, .note = note_fn,
                               .ud = ud, .dir = paths_state_dir("outbox")};
    struct identity id = {0};
    char err[300];
    struct stat st;
    if (f->dir == NULL || !identity_init(&id, api_url, token))
        goto out;
    if (lstat(f->dir, &st) != 0) {
        if (errno == ENOENT)
            *how = OUTBOX_EMPTY; /* nothing was ever queued */
        goto out;
    }
    f->claimed = g_build_filename(f->dir, "claimed", NULL);
    f->rejected = g_build_filename(f->dir, "rejected", NULL);
    if (!durable_mkdirs(f->dir, err, sizeof err) || !durable_mkdirs(f->claimed, err, sizeof err))
        goto out;
    char *lock = g_build_filename(f->dir, ".lock", NULL);
    f->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    g_free(lock);
    if (f->lock_fd < 0)
        goto out;
    if (flock(f->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            *how = OUTBOX_BUSY;
        goto out;
    }
    recover_claimed(f);

    char **names = item_files(f->dir);
    f->items = g_new0(struct item, g_strv_length(names) + 1);
    for (int i = 0; names[i]; i++) {
        struct item *it = &f->items[f->n];
        if (!read_item(f->dir, names[i], &it->s)) {
            f->r.unreadable++;
            continue;
        }
        switch (owner_of(&it->s, &id, f->r.other_origin_url, sizeof f->r.other_origin_url)) {
        case MINE:
            it->name = g_strdup(names[i]);
            f->n++;
            continue;
        case OTHER_ACCOUNT:
            f->r.other_account++;
            break;
        case OTHER_ORIGIN:
            f->r.other_origin++;
            break;
        }
        submission_clear(&it->s);
    }
    g_strfreev(names);
    if (f->n == 0) {
        *how = OUTBOX_EMPTY;
        goto out;
    }
    if (send_next(f)) {
        *how = OUTBOX_STARTED;
        identity_clear(&id);
        return f;
    }
    /* Gone meanwhile, or the first could not be claimed or started. */
    *how = f->next >= f->n ? OUTBOX_EMPTY : OUTBOX_FAILED;
out:
    identity_clear(&id);
    flush_free(f);
    return NULL;
}

void outbox_flush_cancel(struct outbox_flush *f)
{
    if (f == NULL)
        return;
    api_cancel(f->api, f);
    if (f->next < f->n)
        move(f->claimed, f->dir, f->items[f->next].name);
    flush_free(f);
}
