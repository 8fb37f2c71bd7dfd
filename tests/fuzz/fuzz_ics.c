/* libFuzzer target: the .ics writer (ics_calendar). The input: a byte with the number of
 * reminder marks (bits 0-3, 0-8) and whether to take every session (bit 7; else 30 days
 * ahead), that many
 * marks in minutes, then the sessions as the platform's JSON. The calendar must be content
 * lines of at most 75 octets ended by CRLF, folded without cutting a UTF-8 sequence, with no
 * control character, TEXT values escaped (RFC 5545 3.3.11), and one VEVENT per session. */
#include <glib.h>

#include "net/meeting.h"
#include "tests/fuzz/fuzz.h"
#include "tui/cmd_ics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A TEXT value: a backslash only before \ ; , or n, and no bare ; or ,. */
static void fuzz_ics_check_text(const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\\') {
            FUZZ_CHECK(p[1] == '\\' || p[1] == ';' || p[1] == ',' || p[1] == 'n');
            p++;
        } else {
            FUZZ_CHECK(*p != ';' && *p != ',');
        }
    }
}

static void fuzz_ics_check(const char *cal, size_t events)
{
    size_t len = strlen(cal);
    FUZZ_CHECK(fuzz_utf8_valid(cal, len));
    FUZZ_CHECK(len >= 2 && strcmp(cal + len - 2, "\r\n") == 0);
    GString *logical = g_string_new(NULL);
    size_t begins = 0, ends = 0;
    for (const char *p = cal; *p;) {
        const char *eol = strstr(p, "\r\n");
        FUZZ_CHECK(eol != NULL);
        size_t n = (size_t)(eol - p);
        FUZZ_CHECK(n <= 75);
        FUZZ_CHECK(fuzz_utf8_valid(p, n));
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7F);
        const char *next = eol + 2;
        if (p[0] == ' ') {
            FUZZ_CHECK(logical->len > 0);
            g_string_append_len(logical, p + 1, (gssize)(n - 1));
        } else {
            g_string_assign(logical, "");
            g_string_append_len(logical, p, (gssize)n);
        }
        if (*next != ' ') { /* the logical line is whole */
            const char *colon = strchr(logical->str, ':');
            FUZZ_CHECK(colon != NULL && colon > logical->str);
            for (const char *q = logical->str; q < colon; q++)
                FUZZ_CHECK(g_ascii_isupper(*q) || *q == '-');
            size_t name = (size_t)(colon - logical->str);
            static const char *const texts[] = {"UID", "SUMMARY", "DESCRIPTION",
                                                "X-WR-CALNAME"};
            for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
                if (strlen(texts[i]) == name && strncmp(logical->str, texts[i], name) == 0)
                    fuzz_ics_check_text(colon + 1);
            begins += strcmp(logical->str, "BEGIN:VEVENT") == 0;
            ends += strcmp(logical->str, "END:VEVENT") == 0;
        }
        p = next;
    }
    FUZZ_CHECK(begins == events && ends == events);
    FUZZ_CHECK(strncmp(cal, "BEGIN:VCALENDAR\r\n", 17) == 0);
    FUZZ_CHECK(len >= 15 && strcmp(cal + len - 15, "END:VCALENDAR\r\n") == 0);
    g_string_free(logical, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int n_marks = (data[0] & 0x0F) % 9;
    bool all = data[0] & 0x80;
    if (size < 1 + (size_t)n_marks * 2)
        return 0;
    int marks[8];
    for (int i = 0; i < n_marks; i++)
        marks[i] = (data[1 + 2 * i] << 8 | data[2 + 2 * i]) % (24 * 60 + 1);
    size_t off = 1 + (size_t)n_marks * 2;
    struct meeting_list l;
    char err[512];
    if (!meeting_list_decode((const char *)data + off, size - off, &l, err, sizeof err))
        return 0;
    time_t now = 1700000000, until = all ? (time_t)INT64_MAX : now + 30 * 24 * 3600;
    size_t events = 0;
    for (size_t i = 0; i < l.n; i++)
        events += l.items[i].scheduled_at <= until;
    char *cal = ics_calendar(&l, now, until, marks, n_marks);
    fuzz_ics_check(cal, events);
    g_free(cal);
    meeting_list_clear(&l);
    return 0;
}
