#include "tui/outbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "tui/durable.h"
#include "tui/paths.h"
#include "tui/sanitize.h"

#define MAX_FILE (64 * 1024)

bool outbox_add(const struct submission *s, char *err, size_t errlen)
{
    char *dir = paths_state_dir("outbox");
    if (dir == NULL) {
        snprintf(err, errlen, "no state directory (HOME is not set)");
        return false;
    }
    bool ok = durable_mkdirs(dir, err, errlen);
    char *text = ok ? submission_encode(s) : NULL;
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
    g_free(dir);
    return ok;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The queued file names in dir, sorted; caller frees with g_strfreev. */
static char **queued_files(const char *dir)
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

int outbox_count(void)
{
    char *dir = paths_state_dir("outbox");
    char **names = dir ? queued_files(dir) : NULL;
    int n = names ? (int)g_strv_length(names) : 0;
    g_strfreev(names);
    g_free(dir);
    return n;
}

/* Moves a refused submission aside, keeping what the mentor wrote. */
static void set_aside(const char *dir, const char *name)
{
    char err[300];
    char *rejected = g_build_filename(dir, "rejected", NULL);
    char *from = g_build_filename(dir, name, NULL), *to = g_build_filename(rejected, name, NULL);
    if (durable_mkdirs(rejected, err, sizeof err))
        rename(from, to);
    g_free(rejected);
    g_free(from);
    g_free(to);
}

static const char *describe(const struct submission *s)
{
    return s->kind == API_FEEDBACK ? "feedback" : "completion";
}

void outbox_flush(struct api *api, const char *api_url, FILE *log, struct outbox_report *r)
{
    memset(r, 0, sizeof *r);
    char *dir = paths_state_dir("outbox");
    char **names = dir ? queued_files(dir) : NULL;
    bool reachable = true;
    for (int i = 0; names && names[i]; i++) {
        char err[300];
        size_t len = 0;
        char *text = durable_read(dir, names[i], MAX_FILE, &len, err, sizeof err);
        struct submission s;
        if (text == NULL || !submission_decode(text, len, &s, err, sizeof err)) {
            char *why = sanitize(err, SANITIZE_LINE);
            fprintf(log, "outbox: %s: %s; set aside in outbox/rejected/\n", names[i], why);
            free(why);
            set_aside(dir, names[i]);
            r->rejected++;
            free(text);
            continue;
        }
        free(text);
        char *id = sanitize(s.session_id, SANITIZE_LINE);
        if (strcmp(s.api_url, api_url) != 0 || !reachable) {
            r->kept++;
        } else {
            struct api_call call = {.kind = s.kind, .session_id = s.session_id,
                                    .rating = s.rating, .comment = s.comment,
                                    .idempotency_key = s.key};
            struct api_result *res = api_wait(api, &call);
            char *path = g_build_filename(dir, names[i], NULL);
            if (res && res->status == NET_OK) {
                fprintf(log, "sent the queued %s for session %s\n", describe(&s), id);
                unlink(path);
                r->sent++;
            } else if (res == NULL || net_status_is_transient(res->status)) {
                char *why = sanitize(res ? res->message : "out of memory", SANITIZE_LINE);
                fprintf(log, "the queued %s for session %s is still queued: %s\n",
                        describe(&s), id, why);
                free(why);
                reachable = false;
                r->kept++;
            } else {
                char *why = sanitize(res->message, SANITIZE_LINE);
                fprintf(log, "the queued %s for session %s was refused: %s; kept in "
                        "outbox/rejected/\n", describe(&s), id, why);
                free(why);
                set_aside(dir, names[i]);
                r->rejected++;
            }
            g_free(path);
            api_result_free(res);
        }
        free(id);
        submission_clear(&s);
    }
    g_strfreev(names);
    g_free(dir);
}
