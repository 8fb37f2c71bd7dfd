#include "tui/timefmt.h"

#include "net/meeting.h"

#include <stdio.h>

void timefmt_local(time_t t, char *out, size_t outlen)
{
    struct tm tm;
    localtime_r(&t, &tm);
    if (strftime(out, outlen, "%a %d %b %Y %H:%M %Z", &tm) == 0 && outlen > 0)
        out[0] = '\0';
}

/* "12 min", "3 h 5 min", "2 days" for a positive number of seconds. */
static void span(long secs, char *out, size_t outlen)
{
    long mins = (secs + 59) / 60;
    if (mins < 60)
        snprintf(out, outlen, "%ld min", mins);
    else if (mins < 48 * 60 && mins % 60)
        snprintf(out, outlen, "%ld h %ld min", mins / 60, mins % 60);
    else if (mins < 48 * 60)
        snprintf(out, outlen, "%ld h", mins / 60);
    else
        snprintf(out, outlen, "%ld days", mins / (24 * 60));
}

void timefmt_relative(time_t now, time_t start, int minutes, char *out, size_t outlen)
{
    char s[32];
    long until = (long)(start - now);
    long end = (long)(start + (time_t)minutes * 60 - now);
    if (until >= 60) {
        span(until, s, sizeof s);
        snprintf(out, outlen, "in %s", s);
    } else if (until > -60) {
        snprintf(out, outlen, "now");
    } else if (end > 0) {
        span(-until - 59, s, sizeof s);
        snprintf(out, outlen, "running, %s in", s);
    } else {
        span(-end, s, sizeof s);
        snprintf(out, outlen, "ended %s ago", s);
    }
}

void timefmt_standing(const struct meeting *m, time_t now, char *out, size_t outlen)
{
    if (meeting_is_completed(m))
        snprintf(out, outlen, "completed");
    else if (meeting_is_cancelled(m))
        snprintf(out, outlen, "cancelled");
    else
        timefmt_relative(now, m->scheduled_at, m->duration, out, outlen);
}
