#include "tui/draft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>

#include "tui/durable.h"
#include "tui/jointime.h"
#include "tui/paths.h"

#define MAX_DRAFT (64 * 1024)

static char *file_name(const char *session_id)
{
    char *base = jointime_file_name(session_id);
    char *name = g_strconcat(base, ".json", NULL);
    g_free(base);
    return name;
}

bool draft_load(const char *session_id, struct draft *d)
{
    memset(d, 0, sizeof *d);
    char *dir = paths_state_dir("drafts"), *name = file_name(session_id);
    char err[256];
    size_t len = 0;
    char *text = dir ? durable_read(dir, name, MAX_DRAFT, &len, err, sizeof err) : NULL;
    json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
    json_t *rating = json_object_get(j, "rating"), *comment = json_object_get(j, "comment");
    json_t *key = json_object_get(j, "key");
    bool ok = json_is_integer(rating) && json_is_string(comment) && json_is_string(key);
    if (ok) {
        json_int_t r = json_integer_value(rating);
        d->rating = r >= 0 && r <= 5 ? (int)r : 0;
        d->comment = g_strdup(json_string_value(comment));
        d->key = g_strdup(json_string_value(key));
    } else {
        d->comment = g_strdup("");
        d->key = g_uuid_string_random();
    }
    json_decref(j);
    free(text);
    g_free(name);
    g_free(dir);
    return ok;
}

bool draft_save(const char *session_id, const struct draft *d, char *err, size_t errlen)
{
    char *dir = paths_state_dir("drafts");
    if (dir == NULL) {
        snprintf(err, errlen, "no state directory (HOME is not set)");
        return false;
    }
    json_t *j = json_pack("{s:i, s:s, s:s}", "rating", d->rating, "comment",
                          d->comment ? d->comment : "", "key", d->key);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    char *name = file_name(session_id);
    bool ok = false;
    if (text == NULL)
        snprintf(err, errlen, "out of memory");
    else
        ok = durable_mkdirs(dir, err, errlen) &&
             durable_write(dir, name, text, strlen(text), err, errlen);
    free(text);
    json_decref(j);
    g_free(name);
    g_free(dir);
    return ok;
}

void draft_remove(const char *session_id)
{
    char *dir = paths_state_dir("drafts"), *name = file_name(session_id);
    char *path = dir ? g_build_filename(dir, name, NULL) : NULL;
    if (path)
        unlink(path);
    g_free(path);
    g_free(name);
    g_free(dir);
}

void draft_clear(struct draft *d)
{
    g_free(d->comment);
    g_free(d->key);
    memset(d, 0, sizeof *d);
}
