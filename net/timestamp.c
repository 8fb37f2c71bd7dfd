#include "net/timestamp.h"

#include <string.h>

#include <glib.h>

bool timestamp_parse(const char *s, time_t *out)
{
    /* GLib would read a zone-less time as local time; the API always sends a zone, and a
     * time without one is an error rather than a guess. */
    size_t n = s ? strlen(s) : 0;
    if (n < 11 || n > 64)
        return false;
    const char *t = strpbrk(s, "Tt ");
    if (t == NULL || (strpbrk(t, "Zz+") == NULL && strchr(t, '-') == NULL))
        return false;
    GDateTime *dt = g_date_time_new_from_iso8601(s, NULL);
    if (dt == NULL)
        return false;
    *out = (time_t)g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return true;
}

void timestamp_format_utc(time_t t, char out[32])
{
    struct tm tm = {0};
    gmtime_r(&t, &tm);
    /* %04Y, not %Y, which writes a year before 1000 in fewer than four digits
     * ("98-01-15T…"), a time that no ISO 8601 reader, ours included, takes back. */
    strftime(out, 32, "%04Y-%m-%dT%H:%M:%SZ", &tm);
}
