#include "net/meeting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "net/timestamp.h"

/* Decoding state: the first error wins and names the field by its path. */
struct decoder {
    char *err;
    size_t errlen;
    bool failed;
};

static void bad(struct decoder *d, const char *path, const char *key, const char *what)
{
    if (d->failed)
        return;
    d->failed = true;
    snprintf(d->err, d->errlen, "%s%s%s: %s", path, *path ? "." : "", key, what);
}

static json_t *member(struct decoder *d, json_t *obj, const char *path, const char *key,
                      bool required)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        if (required)
            bad(d, path, key, "missing");
        return NULL;
    }
    return v;
}

static char *text(struct decoder *d, json_t *obj, const char *path, const char *key,
                  bool required)
{
    json_t *v = member(d, obj, path, key, required);
    if (v == NULL)
        return NULL;
    if (!json_is_string(v)) {
        bad(d, path, key, "expected a string");
        return NULL;
    }
    return strndup(json_string_value(v), json_string_length(v));
}

static int number(struct decoder *d, json_t *obj, const char *path, const char *key, int min,
                  int max)
{
    json_t *v = member(d, obj, path, key, true);
    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        char what[64];
        snprintf(what, sizeof what, "expected a whole number from %d to %d", min, max);
        bad(d, path, key, what);
        return 0;
    }
    return (int)json_integer_value(v);
}

static time_t when(struct decoder *d, json_t *obj, const char *path, const char *key,
                   bool required)
{
    json_t *v = member(d, obj, path, key, required);
    time_t t = 0;
    if (v && (!json_is_string(v) || !timestamp_parse(json_string_value(v), &t)))
        bad(d, path, key, "expected an ISO 8601 time with a zone");
    return t;
}

static json_t *object(struct decoder *d, json_t *obj, const char *path, const char *key,
                      bool required)
{
    json_t *v = member(d, obj, path, key, required);
    if (v && !json_is_object(v)) {
        bad(d, path, key, "expected an object");
        return NULL;
    }
    return v;
}

static void person(struct decoder *d, json_t *root, const char *key, struct person *p)
{
    json_t *o = object(d, root, "", key, true);
    if (o == NULL)
        return;
    p->name = text(d, o, key, "name", true);
    p->email = text(d, o, key, "email", false);
}

static void participants(struct decoder *d, json_t *root, struct meeting *m)
{
    json_t *arr = member(d, root, "", "participants", false);
    if (arr == NULL)
        return;
    if (!json_is_array(arr)) {
        bad(d, "", "participants", "expected an array");
        return;
    }
    size_t n = json_array_size(arr);
    m->participants = calloc(n ? n : 1, sizeof *m->participants);
    if (m->participants == NULL) {
        bad(d, "", "participants", "out of memory");
        return;
    }
    for (size_t i = 0; i < n && !d->failed; i++) {
        json_t *p = json_array_get(arr, i);
        char path[40];
        snprintf(path, sizeof path, "participants[%zu]", i);
        if (!json_is_object(p)) {
            bad(d, "", path, "expected an object");
            break;
        }
        struct participant *out = &m->participants[m->n_participants++];
        out->name = text(d, p, path, "name", true);
        out->joined_at = when(d, p, path, "joinedAt", false);
        out->left_at = when(d, p, path, "leftAt", false);
    }
}

static void decode_meeting(struct decoder *d, json_t *root, struct meeting *m)
{
    if (!json_is_object(root)) {
        bad(d, "", "meeting", "expected a JSON object");
        return;
    }
    json_t *b = object(d, root, "", "booking", true);
    if (b) {
        m->id = text(d, b, "booking", "id", true);
        m->session_number = number(d, b, "booking", "sessionNumber", 0, 1000000);
        m->scheduled_at = when(d, b, "booking", "scheduledAt", true);
        m->duration = number(d, b, "booking", "duration", 1, 100000);
        m->notes = text(d, b, "booking", "notes", false);
        m->status = text(d, b, "booking", "status", true);
        m->meeting_url = text(d, b, "booking", "meetingUrl", false);
        m->provider = text(d, b, "booking", "provider", false);
        m->meeting_passcode = text(d, b, "booking", "meetingPasscode", false);
        m->meeting_error = text(d, b, "booking", "meetingError", false);
        json_t *fb = object(d, b, "booking", "feedback", false);
        if (fb) {
            m->has_feedback = true;
            m->feedback_rating = number(d, fb, "booking.feedback", "rating", 1, 5);
            m->feedback_comment = text(d, fb, "booking.feedback", "comment", false);
        }
    }
    person(d, root, "user", &m->user);
    person(d, root, "mentor", &m->mentor);
    json_t *mentor = json_object_get(root, "mentor");
    json_t *rating = json_object_get(mentor, "rating");
    if (json_is_number(rating)) {
        m->has_mentor_rating = true;
        m->mentor_rating = json_number_value(rating);
    }
    json_t *pkg = object(d, root, "", "package", true);
    if (pkg)
        m->package_name = text(d, pkg, "package", "name", true);
    participants(d, root, m);
    m->started_at = when(d, root, "", "meetingStartedAt", false);
    m->ended_at = when(d, root, "", "meetingEndedAt", false);
}

/* Parses JSON text; on failure says where, as a person would want to read it. A key given
 * twice is an error: parsers disagree on which one counts (jansson would keep the last). */
static json_t *parse(const char *json, size_t len, char *err, size_t errlen)
{
    json_error_t e;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &e);
    if (root == NULL)
        snprintf(err, errlen, "the answer is not valid JSON: %s (line %d, column %d)", e.text,
                 e.line, e.column);
    return root;
}

bool meeting_decode(const char *json, size_t len, struct meeting *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    json_t *root = parse(json, len, err, errlen);
    if (root == NULL)
        return false;
    struct decoder d = {err, errlen, false};
    decode_meeting(&d, root, m);
    json_decref(root);
    if (d.failed)
        meeting_clear(m);
    return !d.failed;
}

bool meeting_list_decode(const char *json, size_t len, struct meeting_list *l, char *err,
                         size_t errlen)
{
    memset(l, 0, sizeof *l);
    json_t *root = parse(json, len, err, errlen);
    if (root == NULL)
        return false;
    struct decoder d = {err, errlen, false};
    json_t *arr = json_is_object(root) ? json_object_get(root, "sessions") : NULL;
    if (!json_is_array(arr)) {
        bad(&d, "", "sessions", json_is_object(root) ? "expected an array" :
                                "expected an object holding it");
    } else {
        size_t n = json_array_size(arr);
        l->items = calloc(n ? n : 1, sizeof *l->items);
        for (size_t i = 0; l->items && i < n && !d.failed; i++) {
            char prefix[40];
            decode_meeting(&d, json_array_get(arr, i), &l->items[l->n++]);
            if (d.failed) {
                /* Say which entry: "sessions[3]: booking.id: missing". */
                char inner[400];
                snprintf(inner, sizeof inner, "%s", err);
                snprintf(prefix, sizeof prefix, "sessions[%zu]", i);
                snprintf(err, errlen, "%s: %s", prefix, inner);
            }
        }
    }
    json_decref(root);
    if (d.failed)
        meeting_list_clear(l);
    return !d.failed;
}

void meeting_clear(struct meeting *m)
{
    free(m->id);
    free(m->notes);
    free(m->status);
    free(m->meeting_url);
    free(m->provider);
    free(m->meeting_passcode);
    free(m->meeting_error);
    free(m->feedback_comment);
    free(m->user.name);
    free(m->user.email);
    free(m->mentor.name);
    free(m->mentor.email);
    free(m->package_name);
    for (size_t i = 0; i < m->n_participants; i++)
        free(m->participants[i].name);
    free(m->participants);
    memset(m, 0, sizeof *m);
}

void meeting_list_clear(struct meeting_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        meeting_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *time_or_null(time_t t)
{
    char buf[32];
    if (t == 0)
        return json_null();
    timestamp_format_utc(t, buf);
    return json_string(buf);
}

static json_t *meeting_json(const struct meeting *m)
{
    json_t *people = json_array();
    for (size_t i = 0; i < m->n_participants; i++)
        json_array_append_new(people, json_pack("{s:o, s:o, s:o}",
                                                "name", str_or_null(m->participants[i].name),
                                                "joinedAt", time_or_null(m->participants[i].joined_at),
                                                "leftAt", time_or_null(m->participants[i].left_at)));
    json_t *fb = m->has_feedback
                     ? json_pack("{s:i, s:o}", "rating", m->feedback_rating, "comment",
                                 str_or_null(m->feedback_comment))
                     : json_null();
    return json_pack("{s:{s:o, s:i, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o},"
                     " s:{s:o, s:o}, s:{s:o, s:o, s:o}, s:{s:o}, s:o, s:o, s:o}",
                     "booking", "id", str_or_null(m->id), "sessionNumber", m->session_number,
                     "scheduledAt", time_or_null(m->scheduled_at), "duration", m->duration,
                     "notes", str_or_null(m->notes), "status", str_or_null(m->status),
                     "meetingUrl", str_or_null(m->meeting_url),
                     "provider", str_or_null(m->provider),
                     "meetingPasscode", str_or_null(m->meeting_passcode),
                     "meetingError", str_or_null(m->meeting_error), "feedback", fb,
                     "user", "name", str_or_null(m->user.name),
                     "email", str_or_null(m->user.email),
                     "mentor", "name", str_or_null(m->mentor.name),
                     "email", str_or_null(m->mentor.email),
                     "rating", m->has_mentor_rating ? json_real(m->mentor_rating) : json_null(),
                     "package", "name", str_or_null(m->package_name),
                     "participants", people,
                     "meetingStartedAt", time_or_null(m->started_at),
                     "meetingEndedAt", time_or_null(m->ended_at));
}

/* ENSURE_ASCII: a name may hold C1 controls (U+0080-U+009F) that jansson would otherwise
 * write as raw UTF-8, which some terminals act on. */
static char *dump(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER)
                : NULL;
    json_decref(j);
    /* jansson escapes the other controls but writes DEL (0x7F) as it is; it can only be
     * inside a string, where \u007f says the same thing to a JSON reader. */
    size_t dels = 0;
    for (const char *p = s; p && *p; p++)
        dels += *p == 0x7F;
    if (dels == 0)
        return s;
    char *out = malloc(strlen(s) + dels * 5 + 1), *o = out;
    for (const char *p = s; out && *p; p++) {
        if (*p == 0x7F) {
            memcpy(o, "\\u007f", 6);
            o += 6;
        } else {
            *o++ = *p;
        }
    }
    if (out)
        *o = '\0';
    free(s);
    return out;
}

char *meeting_to_json(const struct meeting *m)
{
    return dump(meeting_json(m));
}

char *meeting_list_to_json(const struct meeting_list *l)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(arr, meeting_json(&l->items[i]));
    return dump(json_pack("{s:o}", "sessions", arr));
}

bool meeting_is_completed(const struct meeting *m)
{
    return m->status && strcmp(m->status, "COMPLETED") == 0;
}

bool meeting_is_cancelled(const struct meeting *m)
{
    return m->status && strcmp(m->status, "CANCELLED") == 0;
}
