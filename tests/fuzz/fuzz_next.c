/* libFuzzer target: the `next` formatters (next_line) for a status bar: plain, json, waybar
 * and tmux. The input: a flags byte (bits 0-1 the format, bit 2 stale, bits 3-4 which
 * built-in theme), a byte choosing the session `now` is measured from, two bytes of signed
 * half-minutes from its start, then the sessions as the platform's JSON (decoded by
 * meeting_list_decode, so the formatters get what the client really holds). The line must
 * be one line of valid UTF-8 without controls; json and waybar must parse as JSON (waybar's
 * text and tooltip as escaped Pango markup); in tmux's line every # that comes from server
 * text must be doubled, so the only #( or #[ are the theme's own style and #[default]. */
#include <time.h>

#include <glib.h>
#include <jansson.h>

#include "net/meeting.h"
#include "tests/fuzz/fuzz.h"
#include "themes/theme.h"
#include "tui/cmd_next.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_next_check_line(const char *line)
{
    size_t len = strlen(line);
    FUZZ_CHECK(fuzz_utf8_valid(line, len));
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK((unsigned char)line[i] >= 0x20 && line[i] != 0x7F);
}

static void fuzz_next_check_markup(const char *s)
{
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(strchr(s, '<') == NULL && strchr(s, '>') == NULL);
    for (const char *p = strchr(s, '&'); p; p = strchr(p + 1, '&'))
        FUZZ_CHECK(strncmp(p, "&lt;", 4) == 0 || strncmp(p, "&gt;", 4) == 0 ||
                   strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&quot;", 6) == 0 ||
                   strncmp(p, "&apos;", 6) == 0 || strncmp(p, "&#", 2) == 0);
}

static void fuzz_next_check_json(const char *line, enum next_format format)
{
    json_error_t e;
    json_t *j = json_loads(line, 0, &e);
    FUZZ_CHECK(json_is_object(j));
    FUZZ_CHECK(json_is_string(json_object_get(j, "text")));
    if (format == NEXT_WAYBAR) {
        fuzz_next_check_markup(json_string_value(json_object_get(j, "text")));
        fuzz_next_check_markup(json_string_value(json_object_get(j, "tooltip")));
    } else {
        FUZZ_CHECK(json_is_string(json_object_get(j, "state")));
        FUZZ_CHECK(json_is_integer(json_object_get(j, "minutes")));
    }
    json_decref(j);
}

/* "#[style]" may open the line and "#[default]" close it; any other # is doubled. */
static void fuzz_next_check_tmux(const char *line)
{
    size_t len = strlen(line), i = 0, end = len;
    if (line[0] == '#' && line[1] == '[') {
        const char *close = strchr(line, ']');
        FUZZ_CHECK(close != NULL);
        i = (size_t)(close - line) + 1;
        FUZZ_CHECK(len >= 10 && strcmp(line + len - 10, "#[default]") == 0);
        end = len - 10;
        for (const char *p = line + 2; p < close; p++)
            FUZZ_CHECK(g_ascii_isalnum(*p) || *p == '=' || *p == ',');
    }
    for (; i < end; i++) {
        if (line[i] == '#') {
            FUZZ_CHECK(i + 1 < end && line[i + 1] == '#');
            i++;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        /* jointime_get reads the state directory: let it find nothing. */
        setenv("XDG_STATE_HOME", "/nonexistent/dheya-fuzz-next", 1);
        setenv("TZ", "UTC", 1);
        ready = true;
    }
    if (size < 4)
        return 0;
    enum next_format format = (enum next_format)(data[0] & 3);
    bool stale = data[0] & 4;
    size_t n_themes = 0;
    while (theme_builtin_names[n_themes])
        n_themes++;
    char err[512];
    FUZZ_CHECK(theme_select(theme_builtin_names[(data[0] >> 3 & 3) % n_themes], NULL, false, err,
                            sizeof err));
    struct meeting_list l;
    if (!meeting_list_decode((const char *)data + 4, size - 4, &l, err, sizeof err))
        return 0;
    time_t now = 1700000000;
    if (l.n > 0)
        now = l.items[data[1] % l.n].scheduled_at;
    now += (time_t)(int16_t)(data[2] << 8 | data[3]) * 30;
    char *line = next_line(format, &l, now, now - 60, stale);
    if (line) {
        fuzz_next_check_line(line);
        if (format == NEXT_JSON || format == NEXT_WAYBAR)
            fuzz_next_check_json(line, format);
        else if (format == NEXT_TMUX)
            fuzz_next_check_tmux(line);
        g_free(line);
    }
    meeting_list_clear(&l);
    return 0;
}
