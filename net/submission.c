#include "net/submission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>
#include <jansson.h>

#include "net/timestamp.h"

/* Hex digits of the account fingerprint kept: 128 bits tell accounts apart. */
#define ACCOUNT_HEX 32

char *submission_encode(const struct submission *s)
{
    char when[32];
    timestamp_format_utc(s->queued_at, when);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind",
                          s->kind == API_FEEDBACK ? "feedback" : "complete", "session",
                          s->session_id, "key", s->key, "api", s->api_url, "queuedAt", when);
    if (j && s->account)
        json_object_set_new(j, "account", json_string(s->account));
    if (j && s->kind == API_FEEDBACK) {
        json_object_set_new(j, "rating", json_integer(s->rating));
        json_object_set_new(j, "comment", json_string(s->comment ? s->comment : ""));
    }
    if (j && s->refused)
        json_object_set_new(j, "refused", json_string(s->refused));
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
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        snprintf(err, errlen, "not valid JSON: %s", e.text);
        return false;
    }
    const char *kind = json_string_value(json_object_get(j, "kind"));
    s->kind = kind && strcmp(kind, "feedback") == 0 ? API_FEEDBACK : API_COMPLETE;
    s->session_id = field(j, "session");
    s->key = field(j, "key");
    s->api_url = field(j, "api");
    s->account = field(j, "account");
    s->comment = field(j, "comment");
    s->refused = field(j, "refused");
    const char *when = json_string_value(json_object_get(j, "queuedAt"));
    if (when)
        timestamp_parse(when, &s->queued_at);
    json_t *rating = json_object_get(j, "rating");
    /* Range-checked before the cast: 4294967301 must not read as 5. */
    s->rating = json_is_integer(rating) && json_integer_value(rating) >= 1 &&
                json_integer_value(rating) <= 5 ? (int)json_integer_value(rating) : 0;
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
    g_free(s->account);
    g_free(s->refused);
    memset(s, 0, sizeof *s);
}

char *submission_account(const char *token)
{
    /* The prefix keeps this hash apart from any other use of SHA-256 over the token. */
    char *salted = g_strconcat("dheya-meet outbox account v1\n", token ? token : "", NULL);
    char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, salted, -1);
    memset(salted, 0, strlen(salted));
    g_free(salted);
    if (hex)
        hex[ACCOUNT_HEX] = '\0';
    return hex;
}

char *submission_origin(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        size_t n = strlen(path);
        while (n > 0 && path[n - 1] == '/')
            path[--n] = '\0';
        char *s = g_ascii_strdown(scheme, -1), *h = g_ascii_strdown(host, -1);
        out = g_strdup_printf("%s://%s:%s%s", s, h, port, path);
        g_free(s);
        g_free(h);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return out;
}
