#include "server/webhook.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/body.h"
#include "server/crypto.h"

/* Parses a UNIX-seconds timestamp header and checks it is within the tolerance of now. */
static bool fresh_timestamp(const char *ts, time_t now, char *err, size_t errlen)
{
    if (ts == NULL || *ts == '\0') {
        snprintf(err, errlen, "missing timestamp header");
        return false;
    }
    size_t n = strlen(ts);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)ts[i]) || n > 12) {
            snprintf(err, errlen, "the timestamp header must be UNIX seconds");
            return false;
        }
    long long t = strtoll(ts, NULL, 10);
    long long skew = (long long)now - t;
    if (skew > WEBHOOK_TOLERANCE || skew < -WEBHOOK_TOLERANCE) {
        snprintf(err, errlen, "the timestamp is more than %d seconds from now",
                 WEBHOOK_TOLERANCE);
        return false;
    }
    return true;
}

/* Checks "scheme=HEX" against the HMAC of the concatenated parts. */
static bool signature_matches(const char *secret, const char *sig_header, const char *scheme,
                              const void *const *parts, const size_t *lens, size_t nparts,
                              char *err, size_t errlen)
{
    size_t sl = strlen(scheme);
    if (sig_header == NULL || strncmp(sig_header, scheme, sl) != 0 || sig_header[sl] != '=') {
        snprintf(err, errlen, "missing or malformed signature header (expected %s=HEX)",
                 scheme);
        return false;
    }
    char expected[65];
    crypto_hmac_sha256_hex(secret, parts, lens, nparts, expected);
    if (!crypto_signature_equal(expected, sig_header + sl + 1)) {
        snprintf(err, errlen, "the signature does not match");
        return false;
    }
    return true;
}

bool webhook_verify_generic(const char *secret, const char *timestamp, const char *sig_header,
                            const char *body, size_t len, time_t now, char *err, size_t errlen)
{
    if (!fresh_timestamp(timestamp, now, err, errlen))
        return false;
    const void *parts[] = {timestamp, ".", body};
    size_t lens[] = {strlen(timestamp), 1, len};
    return signature_matches(secret, sig_header, "sha256", parts, lens, 3, err, errlen);
}

bool webhook_verify_zoom(const char *secret, const char *timestamp, const char *sig_header,
                         const char *body, size_t len, time_t now, char *err, size_t errlen)
{
    if (!fresh_timestamp(timestamp, now, err, errlen))
        return false;
    const void *parts[] = {"v0:", timestamp, ":", body};
    size_t lens[] = {3, strlen(timestamp), 1, len};
    return signature_matches(secret, sig_header, "v0", parts, lens, 4, err, errlen);
}

/* Zoom's endpoint check: answer HMAC(secret, plainToken) to prove we hold the secret. */
static void zoom_url_validation(const char *secret, const json_t *obj, struct http_response *rs)
{
    const char *plain = json_string_value(json_object_get(json_object_get(obj, "payload"),
                                                          "plainToken"));
    if (plain == NULL || *plain == '\0' || strlen(plain) > 256) {
        http_error(rs, 400, "payload.plainToken: required, a string of at most 256 bytes");
        return;
    }
    char enc[65];
    const void *parts[] = {plain};
    size_t lens[] = {strlen(plain)};
    crypto_hmac_sha256_hex(secret, parts, lens, 1, enc);
    http_json(rs, 200, json_pack("{s:s, s:s}", "plainToken", plain, "encryptedToken", enc));
}

/* Checks the event body's fields and records it, once per event id under the scheme (the
 * secret) that signed it. */
static void record_event(struct app *app, const char *scheme, const json_t *obj,
                         struct http_response *rs)
{
    static const char *const events[] = {"meeting.started", "meeting.ended",
                                         "participant.joined", "participant.left"};
    struct db_event ev = {.scheme = scheme};
    if (!body_string(obj, "id", true, 200, &ev.id, rs) ||
        !body_string(obj, "event", true, 64, &ev.event, rs) ||
        !body_string(obj, "bookingId", true, 64, &ev.booking_id, rs) ||
        !body_time(obj, "occurredAt", &ev.occurred_at, rs))
        return;
    bool known = false;
    for (size_t i = 0; i < sizeof events / sizeof *events; i++)
        known = known || strcmp(ev.event, events[i]) == 0;
    if (!known) {
        http_error(rs, 400, "event: must be one of meeting.started, meeting.ended, "
                   "participant.joined, participant.left");
        return;
    }
    if (strncmp(ev.event, "participant.", 12) == 0) {
        const json_t *who = json_object_get(obj, "participant");
        if (!json_is_object(who)) {
            http_error(rs, 400, "participant: required for %s, an object with name and email",
                       ev.event);
            return;
        }
        if (!body_string(who, "name", false, 200, &ev.participant_name, rs) ||
            !body_string(who, "email", false, 320, &ev.participant_email, rs))
            return;
        if (ev.participant_name == NULL && ev.participant_email == NULL) {
            http_error(rs, 400, "participant: needs a name or an email");
            return;
        }
    }
    enum db_result r = db_webhook_event(app->db, &ev);
    if (r == DB_OK || r == DB_DUPLICATE)
        http_json(rs, 200, json_pack("{s:b, s:b}", "received", 1, "duplicate",
                                     r == DB_DUPLICATE));
    else if (r == DB_NOT_FOUND)
        http_error(rs, 404, "bookingId: no such booking");
    else
        http_error(rs, 500, "the event could not be stored");
}

void webhook_handle(struct app *app, const struct http_request *rq, struct http_response *rs)
{
    char key[80], err[160];
    snprintf(key, sizeof key, "webhook:%s", rq->client);
    if (!ratelimit_take(app->limit, key, &rs->retry_after)) {
        http_error(rs, 429, "too many webhook requests; retry in %u s", rs->retry_after);
        return;
    }
    const char *provider = http_header(rq, "x-provider");
    bool zoom = provider && strcmp(provider, "zoom") == 0;
    if (provider == NULL || (!zoom && strcmp(provider, "jitsi") != 0 &&
                             strcmp(provider, "google-meet") != 0)) {
        http_error(rs, 400, "x-provider: must be jitsi, zoom or google-meet");
        return;
    }
    const char *secret = zoom ? app->zoom_webhook_secret : app->webhook_secret;
    if (secret == NULL) {
        http_error(rs, 503, "webhooks from %s are not configured on this server (%s is not set)",
                   provider, zoom ? "ZOOM_WEBHOOK_SECRET" : "WEBHOOK_SECRET");
        return;
    }
    time_t now = time(NULL);
    bool ok = zoom ? webhook_verify_zoom(secret, http_header(rq, "x-zm-request-timestamp"),
                                         http_header(rq, "x-zm-signature"), rq->body,
                                         rq->body_len, now, err, sizeof err)
                   : webhook_verify_generic(secret, http_header(rq, "x-webhook-timestamp"),
                                            http_header(rq, "x-webhook-signature"), rq->body,
                                            rq->body_len, now, err, sizeof err);
    if (!ok) {
        http_error(rs, 401, "webhook refused: %s", err);
        return;
    }
    json_t *obj = body_object(rq, rs);
    if (obj == NULL)
        return;
    const char *event = json_string_value(json_object_get(obj, "event"));
    if (zoom && event && strcmp(event, "endpoint.url_validation") == 0)
        zoom_url_validation(secret, obj, rs);
    else
        /* Not the x-provider header, which nothing signs: jitsi and google-meet share
         * WEBHOOK_SECRET, so the same signed event under either name is one event. */
        record_event(app, zoom ? "zoom" : "generic", obj, rs);
    json_decref(obj);
}
