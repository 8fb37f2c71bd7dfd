#include "server/body.h"

#include <string.h>

#include "server/iso8601.h"

json_t *body_object(const struct http_request *rq, struct http_response *rs)
{
    json_error_t e;
    if (rq->body_len == 0) {
        http_error(rs, 400, "the request body is empty; expected a JSON object");
        return NULL;
    }
    json_t *obj = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &e);
    if (obj == NULL) {
        http_error(rs, 400, "the request body is not valid JSON: %s (line %d, column %d)",
                   e.text, e.line, e.column);
        return NULL;
    }
    if (!json_is_object(obj)) {
        http_error(rs, 400, "the request body must be a JSON object");
        json_decref(obj);
        return NULL;
    }
    return obj;
}

bool body_known_fields(const json_t *obj, const char *const *known, struct http_response *rs)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        bool found = false;
        for (size_t i = 0; known[i] && !found; i++)
            found = strcmp(known[i], key) == 0;
        if (!found) {
            http_error(rs, 400, "unknown field \"%.64s\"", key);
            return false;
        }
    }
    return true;
}

size_t body_utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

bool body_string(const json_t *obj, const char *key, bool required, size_t max,
                 const char **out, struct http_response *rs)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (required)
            http_error(rs, 400, "%s: required", key);
        return !required;
    }
    if (!json_is_string(v)) {
        http_error(rs, 400, "%s: must be a string", key);
        return false;
    }
    size_t n = body_utf8_length(json_string_value(v));
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        http_error(rs, 400, "%s: must not contain NUL characters", key);
        return false;
    }
    if (n > max) {
        http_error(rs, 400, "%s: at most %zu characters (got %zu)", key, max, n);
        return false;
    }
    if (required && n == 0) {
        http_error(rs, 400, "%s: must not be empty", key);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool body_int(const json_t *obj, const char *key, bool required, int min, int max, int def,
              int *out, struct http_response *rs)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = def;
        if (required)
            http_error(rs, 400, "%s: required", key);
        return !required;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        http_error(rs, 400, "%s: must be a whole number from %d to %d", key, min, max);
        return false;
    }
    *out = (int)json_integer_value(v);
    return true;
}

bool body_time(const json_t *obj, const char *key, time_t *out, struct http_response *rs)
{
    const char *s;
    if (!body_string(obj, key, true, 64, &s, rs))
        return false;
    if (!iso8601_parse(s, out)) {
        http_error(rs, 400, "%s: not an ISO 8601 time with a zone, e.g. 2024-01-15T10:00:00Z",
                   key);
        return false;
    }
    return true;
}
