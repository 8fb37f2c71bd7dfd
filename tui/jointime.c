#include "tui/jointime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "tui/durable.h"
#include "tui/paths.h"

char *jointime_file_name(const char *id)
{
    size_t n = strlen(id);
    bool plain = n > 0 && n <= 64;
    for (size_t i = 0; plain && i < n; i++)
        plain = g_ascii_isalnum(id[i]) || id[i] == '-' || id[i] == '_';
    if (plain)
        return g_strdup(id);
    char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, id, -1);
    char *name = g_strconcat("=", hash, NULL);
    g_free(hash);
    return name;
}

time_t jointime_for(time_t joined, time_t scheduled_at)
{
    return joined != 0 && joined >= scheduled_at - JOINTIME_AHEAD ? joined : 0;
}

time_t jointime_get(const char *session_id)
{
    char *dir = paths_state_dir("joined");
    char *name = jointime_file_name(session_id);
    char err[256];
    size_t len;
    char *text = dir ? durable_read(dir, name, 64, &len, err, sizeof err) : NULL;
    time_t t = 0;
    if (text) {
        char *end;
        long long v = strtoll(text, &end, 10);
        if (end != text && v > 0)
            t = (time_t)v;
    }
    free(text);
    g_free(name);
    g_free(dir);
    return t;
}

bool jointime_set(const char *session_id, time_t t, char *err, size_t errlen)
{
    char *dir = paths_state_dir("joined");
    if (dir == NULL) {
        snprintf(err, errlen, "no state directory (HOME is not set)");
        return false;
    }
    char *name = jointime_file_name(session_id);
    char text[32];
    int n = snprintf(text, sizeof text, "%lld\n", (long long)t);
    bool ok = durable_mkdirs(dir, err, errlen) &&
              durable_write(dir, name, text, (size_t)n, err, errlen);
    g_free(name);
    g_free(dir);
    return ok;
}
