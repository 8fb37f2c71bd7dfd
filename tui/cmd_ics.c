#include "tui/cmd_ics.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "tui/launcher.h"
#include "tui/sanitize.h"

#define FOLD_OCTETS 75

/* Appends one content line, folded (RFC 5545 3.1): at most 75 octets a line, the rest on
 * lines that begin with a space, never cutting a UTF-8 sequence; CRLF ends each. */
static void content_line(GString *out, const char *line)
{
    size_t len = strlen(line), pos = 0, room = FOLD_OCTETS;
    while (len - pos > room) {
        size_t cut = pos + room;
        while (cut > pos && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        g_string_append_len(out, line + pos, (gssize)(cut - pos));
        g_string_append(out, "\r\n ");
        pos = cut;
        room = FOLD_OCTETS - 1; /* the leading space counts */
    }
    g_string_append(out, line + pos);
    g_string_append(out, "\r\n");
}

/* A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped; other
 * control characters never reach the file (sanitize turns them into visible ones). */
static char *text_value(const char *s)
{
    char *clean = sanitize(s ? s : "", SANITIZE_MULTILINE);
    GString *v = g_string_new(NULL);
    for (const char *p = clean; p && *p; p++) {
        switch (*p) {
        case '\\': g_string_append(v, "\\\\"); break;
        case ';': g_string_append(v, "\\;"); break;
        case ',': g_string_append(v, "\\,"); break;
        case '\n': g_string_append(v, "\\n"); break;
        case '\t': g_string_append_c(v, ' '); break;
        default: g_string_append_c(v, *p); break;
        }
    }
    free(clean);
    return g_string_free(v, FALSE);
}

static void property(GString *out, const char *name, const char *raw_text)
{
    char *v = text_value(raw_text);
    char *line = g_strconcat(name, ":", v, NULL);
    content_line(out, line);
    g_free(line);
    g_free(v);
}

static void utc_stamp(time_t t, char out[20])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm);
}

static void event(GString *out, const struct meeting *m, time_t now, const int *marks,
                  int n_marks)
{
    char stamp[20], start[20];
    utc_stamp(now, stamp);
    utc_stamp(m->scheduled_at, start);
    const char *mentee = m->user.name ? m->user.name : "your mentee";
    char *summary = g_strdup_printf("Session %d with %s", m->session_number, mentee);
    GString *desc = g_string_new(NULL);
    g_string_printf(desc, "%s, session %d with %s", m->package_name ? m->package_name : "",
                    m->session_number, mentee);
    if (m->notes && *m->notes)
        g_string_append_printf(desc, "\nNotes:\n%s", m->notes);
    char err[300];
    char *url = m->meeting_url ? launcher_check_url(m->meeting_url, err, sizeof err) : NULL;
    if (url)
        g_string_append_printf(desc, "\nMeeting: %s", url);

    content_line(out, "BEGIN:VEVENT");
    char *uid = g_strdup_printf("dheya-booking-%s@dheya-meet", m->id ? m->id : "");
    property(out, "UID", uid);
    g_free(uid);
    char line[80];
    snprintf(line, sizeof line, "DTSTAMP:%s", stamp);
    content_line(out, line);
    snprintf(line, sizeof line, "DTSTART:%s", start);
    content_line(out, line);
    snprintf(line, sizeof line, "DURATION:PT%dM", m->duration > 0 ? m->duration : 0);
    content_line(out, line);
    property(out, "SUMMARY", summary);
    property(out, "DESCRIPTION", desc->str);
    if (url) {
        /* A URI value, not TEXT: no escaping, and launcher_check_url allowed no space or
         * control in it. */
        char *u = g_strconcat("URL:", url, NULL);
        content_line(out, u);
        g_free(u);
    }
    content_line(out, meeting_is_cancelled(m) ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
    for (int i = 0; i < n_marks && !meeting_is_cancelled(m) && !meeting_is_completed(m); i++) {
        content_line(out, "BEGIN:VALARM");
        content_line(out, "ACTION:DISPLAY");
        property(out, "DESCRIPTION", summary);
        snprintf(line, sizeof line, "TRIGGER:-PT%dM", marks[i]);
        content_line(out, line);
        content_line(out, "END:VALARM");
    }
    content_line(out, "END:VEVENT");
    g_free(url);
    g_free(summary);
    g_string_free(desc, TRUE);
}

char *ics_calendar(const struct meeting_list *l, time_t now, time_t until, const int *marks,
                   int n_marks)
{
    GString *out = g_string_new(NULL);
    content_line(out, "BEGIN:VCALENDAR");
    content_line(out, "VERSION:2.0");
    content_line(out, "PRODID:-//Dheya Career Mentors//dheya-meet " DHEYA_VERSION "//EN");
    content_line(out, "CALSCALE:GREGORIAN");
    content_line(out, "METHOD:PUBLISH");
    property(out, "X-WR-CALNAME", "Dheya sessions");
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].scheduled_at <= until)
            event(out, &l->items[i], now, marks, n_marks);
    content_line(out, "END:VCALENDAR");
    return g_string_free(out, FALSE);
}

int cmd_ics(struct cmd_context *ctx, int days)
{
    cmd_flush_start(ctx);
    int st;
    struct api_result *res = cmd_sessions(ctx, &st);
    if (res == NULL)
        return cmd_finish(ctx, st);
    time_t now = time(NULL), until = now + (time_t)days * 24 * 3600;
    char *cal = ics_calendar(&res->sessions, now, until, ctx->cfg->remind, ctx->cfg->n_remind);
    fputs(cal, stdout);
    g_free(cal);
    api_result_free(res);
    return cmd_finish(ctx, EXIT_OK);
}
