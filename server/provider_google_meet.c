/* Google Meet, as a Calendar event with a Meet conference, through the Calendar API with an
 * OAuth client's refresh token (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET,
 * GOOGLE_REFRESH_TOKEN; scope calendar.events, on the calendar of the account that granted
 * it):
 *   token   POST {GOOGLE_OAUTH_URL}   grant_type=refresh_token, form-encoded
 *   create  POST {GOOGLE_API_URL}/calendars/primary/events?conferenceDataVersion=1
 *   details GET {GOOGLE_API_URL}/calendars/primary/events/{id}
 *   update  PATCH .../events/{id}   (start, end)
 *   delete  DELETE .../events/{id}  (404, 410: already gone)
 * with sendUpdates=all, so that the mentor and the mentee, the attendees, are invited and
 * told of changes. A booking's event has an id made from the booking's, and its conference
 * request the booking's id as requestId: a retry after a lost answer finds the event made
 * (409) instead of making a second, and never asks for a second conference. A conference
 * still pending is read again a few times within the deadline. */
#include "server/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "server/fetch.h"
#include "server/iso8601.h"
#include "server/oauth.h"

/* Reads of a pending conference, half a second apart, before giving up for this call. */
#define PENDING_READS 5
#define PENDING_WAIT 0.5

static char api[512];
static struct oauth oauth;

static const char *credential(const char *var, const char *what, char *err, size_t errlen)
{
    const char *v = getenv(var);
    size_t n = v ? strlen(v) : 0;
    bool visible = n > 0 && n <= 2048;
    for (size_t i = 0; visible && i < n; i++)
        visible = v[i] > 0x20 && v[i] < 0x7f;
    if (!visible) {
        snprintf(err, errlen, "MEETING_PROVIDER=google-meet needs %s (%s), visible "
                 "characters", var, what);
        return NULL;
    }
    return v;
}

/* name=value for a form body, the value percent-encoded. */
static char *form_pair(const char *name, const char *value)
{
    char *escaped = curl_easy_escape(NULL, value, 0), *pair = NULL;
    if (escaped && asprintf(&pair, "%s=%s", name, escaped) < 0)
        pair = NULL;
    curl_free(escaped);
    return pair;
}

static bool google_configure(char *err, size_t errlen)
{
    const char *id = credential("GOOGLE_CLIENT_ID", "the OAuth client's ID", err, errlen);
    const char *secret = id ? credential("GOOGLE_CLIENT_SECRET", "the OAuth client's secret",
                                         err, errlen) : NULL;
    const char *refresh = secret ? credential("GOOGLE_REFRESH_TOKEN", "a refresh token with "
                                              "the calendar.events scope", err, errlen) : NULL;
    char token_url[512];
    if (refresh == NULL ||
        !fetch_base_url("GOOGLE_API_URL", "https://www.googleapis.com/calendar/v3", api,
                        sizeof api, err, errlen) ||
        !fetch_base_url("GOOGLE_OAUTH_URL", "https://oauth2.googleapis.com/token", token_url,
                        sizeof token_url, err, errlen))
        return false;
    oauth_init(&oauth, "google-meet", "check GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and "
               "GOOGLE_REFRESH_TOKEN");
    char *a = form_pair("client_id", id), *b = form_pair("client_secret", secret);
    char *c = form_pair("refresh_token", refresh);
    bool ok = a && b && c &&
              asprintf(&oauth.form, "grant_type=refresh_token&%s&%s&%s", a, b, c) >= 0 &&
              (oauth.token_url = strdup(token_url)) != NULL;
    free(a);
    free(b);
    free(c);
    if (!ok)
        snprintf(err, errlen, "out of memory");
    return ok;
}

/* The event id for a booking: "dm" and the booking id in hex, which is always of the
 * characters an event id may hold (base32hex: 0-9, a-v) and unique as the booking's id. */
static void event_id(const char *booking_id, char out[140])
{
    size_t n = strlen(booking_id);
    if (n > 64)
        n = 64;
    strcpy(out, "dm");
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", (unsigned char)booking_id[i]);
}

/* An event id as stored: base32hex characters only, so that it is a path segment as is. */
static bool valid_event_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 5 || n > 1024)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'v')))
            return false;
    return true;
}

static void put_when(json_t *body, const struct provider_booking *b)
{
    char start[32], end[32];
    iso8601_format(b->start, start);
    iso8601_format(b->start + (time_t)b->duration * 60, end);
    json_object_set_new(body, "start", json_pack("{s:s, s:s}", "dateTime", start,
                                                 "timeZone", "UTC"));
    json_object_set_new(body, "end", json_pack("{s:s, s:s}", "dateTime", end,
                                               "timeZone", "UTC"));
}

enum conference { READY, PENDING, FAILED };

/* Reads an event: READY with out filled, PENDING (no link yet), or FAILED with err. */
static enum conference read_event(const json_t *j, const char *method, const char *url,
                                  struct provider_meeting *out, char *err, size_t errlen)
{
    const char *id = json_string_value(json_object_get(j, "id"));
    const char *status = json_string_value(json_object_get(j, "status"));
    const char *link = json_string_value(json_object_get(j, "hangoutLink"));
    json_t *request = json_object_get(json_object_get(j, "conferenceData"), "createRequest");
    const char *code = json_string_value(json_object_get(json_object_get(request, "status"),
                                                         "statusCode"));
    char path[256];
    fetch_url_path(url, path, sizeof path);
    if (id == NULL || !valid_event_id(id)) {
        snprintf(err, errlen, "google-meet: malformed answer from %s %s (no event id)", method,
                 path);
        return FAILED;
    }
    if (status && strcmp(status, "cancelled") == 0) {
        snprintf(err, errlen, "google-meet: the booking's calendar event was deleted");
        return FAILED;
    }
    if ((out->id = strdup(id)) == NULL) {
        snprintf(err, errlen, "google-meet: out of memory");
        return FAILED;
    }
    if (link) {
        size_t n = strlen(link);
        bool ok = n > 8 && n < 2048 && strncmp(link, "https://", 8) == 0;
        for (size_t i = 0; ok && i < n; i++)
            ok = link[i] > 0x20 && link[i] < 0x7f;
        if (!ok) {
            snprintf(err, errlen, "google-meet: malformed answer from %s %s (hangoutLink is "
                     "not an https URL)", method, path);
            return FAILED;
        }
        out->url = strdup(link);
        return out->url ? READY : FAILED;
    }
    if (code && strcmp(code, "pending") == 0) {
        snprintf(err, errlen, "google-meet: the Meet conference is still being prepared");
        return PENDING;
    }
    if (code && strcmp(code, "failure") == 0)
        snprintf(err, errlen, "google-meet: Google could not make the Meet conference");
    else
        snprintf(err, errlen, "google-meet: malformed answer from %s %s (no hangoutLink and "
                 "no conference status)", method, path);
    return FAILED;
}

static void event_url(const char *id, char *url, size_t len)
{
    snprintf(url, len, "%s/calendars/primary/events/%s", api, id);
}

/* The address of a stored event for a change (attendees told: sendUpdates=all); false with
 * err when the stored id is not one Calendar would have given. */
static bool stored_event_url(const char *id, char *url, size_t len, char *err, size_t errlen)
{
    if (!valid_event_id(id)) {
        snprintf(err, errlen, "google-meet: stored event id is not a Calendar event id");
        return false;
    }
    snprintf(url, len, "%s/calendars/primary/events/%s?sendUpdates=all", api, id);
    return true;
}

/* GET the event, reading a pending conference again a few times while time is left. */
static bool read_until_ready(const char *id, double deadline, struct provider_meeting *out,
                             char *err, size_t errlen)
{
    char url[1700];
    event_url(id, url, sizeof url);
    for (int reads = 0; reads < PENDING_READS; reads++) {
        long status;
        json_t *j = NULL;
        if (!oauth_call(&oauth, "GET", url, NULL, deadline, &status, &j, err, errlen))
            return false;
        provider_meeting_clear(out);
        enum conference c = read_event(j, "GET", url, out, err, errlen);
        json_decref(j);
        if (c != PENDING)
            return c == READY;
        if (provider_now() + PENDING_WAIT + 0.5 >= deadline)
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(PENDING_WAIT * 1e9)};
        nanosleep(&ts, NULL);
    }
    return false; /* out->id is set: the event exists, its details are asked for later */
}

static bool google_update(const char *meeting_id, const struct provider_booking *b,
                          double deadline, char *err, size_t errlen);

static bool google_create(const struct provider_booking *b, double deadline,
                          struct provider_meeting *out, char *err, size_t errlen)
{
    char id[140], *package = provider_text(b->package, 150), *summary = NULL;
    event_id(b->id, id);
    if (package == NULL ||
        asprintf(&summary, "%s, session %d", package, b->session_number) < 0) {
        free(package);
        snprintf(err, errlen, "google-meet: out of memory");
        return false;
    }
    free(package);
    json_t *body = json_pack("{s:s, s:s, s:[{s:s}, {s:s}], s:{s:{s:s, s:{s:s}}}}",
                             "id", id, "summary", summary,
                             "attendees", "email", b->mentor_email, "email", b->mentee_email,
                             "conferenceData", "createRequest", "requestId", b->id,
                             "conferenceSolutionKey", "type", "hangoutsMeet");
    free(summary);
    put_when(body, b);
    char url[600];
    snprintf(url, sizeof url, "%s/calendars/primary/events?conferenceDataVersion=1&"
             "sendUpdates=all", api);
    long status = 0;
    json_t *j = NULL;
    bool ok = oauth_call(&oauth, "POST", url, body, deadline, &status, &j, err, errlen);
    json_decref(body);
    enum conference c = FAILED;
    if (ok)
        c = read_event(j, "POST", url, out, err, errlen);
    json_decref(j);
    if (c == PENDING)
        return read_until_ready(id, deadline, out, err, errlen);
    /* 409: an earlier attempt made the event and its answer was lost; it is this one,
     * made from the booking as it stood then, so it is given the booking's time now. */
    if (status == 409)
        return read_until_ready(id, deadline, out, err, errlen) &&
               google_update(id, b, deadline, err, errlen);
    return c == READY;
}

static bool google_details(const char *meeting_id, double deadline,
                           struct provider_meeting *out, char *err, size_t errlen)
{
    if (!valid_event_id(meeting_id)) {
        snprintf(err, errlen, "google-meet: stored event id is not a Calendar event id");
        return false;
    }
    return read_until_ready(meeting_id, deadline, out, err, errlen);
}

static bool google_update(const char *meeting_id, const struct provider_booking *b,
                          double deadline, char *err, size_t errlen)
{
    char url[1700];
    if (!stored_event_url(meeting_id, url, sizeof url, err, errlen))
        return false;
    long status;
    json_t *j = NULL, *body = json_object();
    put_when(body, b);
    bool ok = oauth_call(&oauth, "PATCH", url, body, deadline, &status, &j, err, errlen);
    json_decref(body);
    json_decref(j);
    return ok;
}

static bool google_remove(const char *meeting_id, double deadline, char *err, size_t errlen)
{
    char url[1700];
    if (!stored_event_url(meeting_id, url, sizeof url, err, errlen))
        return false;
    long status = 0;
    json_t *j = NULL;
    bool ok = oauth_call(&oauth, "DELETE", url, NULL, deadline, &status, &j, err, errlen);
    json_decref(j);
    return ok || status == 404 || status == 410; /* deleted already */
}

const struct provider provider_google_meet = {
    .name = "google-meet",
    .configure = google_configure,
    .create = google_create,
    .details = google_details,
    .update = google_update,
    .remove = google_remove,
};
