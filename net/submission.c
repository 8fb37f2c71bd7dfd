#include "net/submission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "net/timestamp.h"

char *submission_encode(const struct submission *s)
{
    char when[32];
    timestamp_format_utc(s->queued_at, when);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind",
                          s->kind == API_FEEDBACK ? "feedback" : "complete", "session",
                          s->session_id, "key", s->key, "api", s->api_url, "queuedAt", when);
    if (j && s->kind == API_FEEDBACK) {
        json_object_set_new(j, "rating", json_integer(s->rating));
        json_object_set_new(j, "comment", json_string(s->comment ? s->comment : ""));
    }
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return text;
}

static char *field(json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));
    return v ? g_strdup(v) : NULL;
}

bool submission_decode(const char *text, size_t len, struct submission *s, char *err,
                       size_t errlen)
{
    memset(s, 0, sizeof *s);
    json_error_t e;
    json_t *j = json_loadb(text, len, 0, &e);
    if (j == NULL) {
        snprintf(err, errlen, "not valid JSON: %s", e.text);
        return false;
    }
    const char *kind = json_string_value(json_object_get(j, "kind"));
    s->kind = kind && strcmp(kind, "feedback") == 0 ? API_FEEDBACK : API_COMPLETE;
    s->session_id = field(j, "session");
    s->key = field(j, "key");
    s->api_url = field(j, "api");
    s->comment = field(j, "comment");
    const char *when = json_string_value(json_object_get(j, "queuedAt"));
    if (when)
        timestamp_parse(when, &s->queued_at);
    json_t *rating = json_object_get(j, "rating");
    s->rating = json_is_integer(rating) ? (int)json_integer_value(rating) : 0;
    bool ok = kind && (strcmp(kind, "feedback") == 0 || strcmp(kind, "complete") == 0) &&
              s->session_id && s->key && s->api_url &&
              (s->kind != API_FEEDBACK || (s->rating >= 1 && s->rating <= 5));
    json_decref(j);
    if (!ok) {
        snprintf(err, errlen, "not a queued submission (kind, session, key, api%s)",
                 s->kind == API_FEEDBACK ? ", rating 1-5" : "");
        submission_clear(s);
    }
    return ok;
}

void submission_clear(struct submission *s)
{
    g_free(s->session_id);
    g_free(s->comment);
    g_free(s->key);
    g_free(s->api_url);
    memset(s, 0, sizeof *s);
}
