/* Google Meet, as a Calendar event with a Meet conference, through the Calendar API with an
 * OAuth client's refresh token (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET,
 * GOOGLE_REFRESH_TOKEN; scope calendar.events, on the calendar of the account that granted
 * it):
 *   token   POST {GOOGLE_OAUTH_URL}   grant_type=refresh_token, form-encoded
 *   create  POST {GOOGLE_API_URL}/calendars/primary/events?conferenceDataVersion=1
 *   details GET {GOOGLE_API_URL}/calendars/primary/events/{id}      (404, 410: gone)
 *   update  PATCH .../events/{id}   (start, end; 404, 410: gone)
 *   new conference  PATCH .../events/{id}?conferenceDataVersion=1   (a new createRequest)
 *   delete  DELETE .../events/{id}  (404, 410: already gone)
 * with sendUpdates=all, so that the mentor and the mentee, the attendees, are invited and
 * told of changes.
 *
 * A booking's event has an id made from the booking's, so that a retry after a lost answer
 * finds the event made (409) instead of making a second. An event deleted in the calendar
 * keeps its id at Google, so the booking's next event gets the next version of the id
 * ("...v2"), which a retry finds the same way. Each conference request has a requestId that
 * Google makes one conference for: the booking's id for its first event's first
 * conference, else the event's id and the attempt's number ("...-2"). A conference that
 * Google could not make (status failure) is asked for again once per call with the next
 * number, found from the requestId Google shows, so a retry of the same attempt repeats its
 * requestId. A conference still pending is read again a few times within the deadline. */
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

/* Versions of a booking's event made at most, each after the one before was deleted. */
#define EVENT_VERSIONS 8
/* The longest event id and requestId made here, with their NUL. */
#define EVENT_ID_LEN 144
#define REQUEST_ID_LEN 160

/* The id of a booking's version-th event: "dm" and the booking id in hex, and "v" and the
 * version from the second on. Always of the characters an event id may hold (base32hex:
 * 0-9, a-v), unique as the booking's id, and the same on every retry. */
static void event_id(const char *booking_id, int version, char out[EVENT_ID_LEN])
{
    size_t n = strlen(booking_id);
    if (n > 64)
        n = 64;
    strcpy(out, "dm");
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", (unsigned char)booking_id[i]);
    if (version > 1)
        snprintf(out + 2 + 2 * n, EVENT_ID_LEN - 2 - 2 * n, "v%d", version);
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

/* The number of the conference attempt whose requestId is rid, on event id: N for
 * "ID-N", else 1 (the booking's id, the first conference of the first event). */
static int conference_attempt(const char *id, const char *rid)
{
    size_t n = strlen(id);
    const char *digits = rid + n + 1;
    if (strncmp(rid, id, n) != 0 || rid[n] != '-' || *digits == '\0' ||
        strlen(digits) > 6 || strspn(digits, "0123456789") != strlen(digits))
        return 1;
    return atoi(digits);
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

/* An event's conference as read: READY (its link in hand), PENDING (still being made),
 * REFUSED (Google could not make it), or the event GONE (deleted), or FAILED (no usable
 * answer). */
enum conference { READY, PENDING, REFUSED, GONE, FAILED };

/* Reads an event, the answer of method url: READY with out filled; else out->id alone,
 * when the event exists, and err says why. rid receives its conference's requestId, for
 * asking for a new one. */
static enum conference read_event(const json_t *j, const char *method, const char *url,
                                  struct provider_meeting *out, char rid[REQUEST_ID_LEN],
                                  char *err, size_t errlen)
{
    const char *id = json_string_value(json_object_get(j, "id"));
    const char *status = json_string_value(json_object_get(j, "status"));
    json_t *link = json_object_get(j, "hangoutLink");
    json_t *request = json_object_get(json_object_get(j, "conferenceData"), "createRequest");
    const char *code = json_string_value(json_object_get(json_object_get(request, "status"),
                                                         "statusCode"));
    const char *asked = json_string_value(json_object_get(request, "requestId"));
    char path[256];
    fetch_url_path(url, path, sizeof path);
    snprintf(rid, REQUEST_ID_LEN, "%s", asked ? asked : "");
    if (id == NULL || !valid_event_id(id)) {
        snprintf(err, errlen, "google-meet: malformed answer from %s %s (no event id)", method,
                 path);
        return FAILED;
    }
    if (status && strcmp(status, "cancelled") == 0) {
        snprintf(err, errlen, "google-meet: the booking's calendar event was deleted");
        return GONE;
    }
    if ((out->id = strdup(id)) == NULL) {
        snprintf(err, errlen, "google-meet: out of memory");
        return FAILED;
    }
    if (link) {
        const char *text = json_string_value(link);
        size_t n = text ? strlen(text) : 0;
        bool ok = n > 8 && n < 2048 && strncmp(text, "https://", 8) == 0;
        for (size_t i = 0; ok && i < n; i++)
            ok = text[i] > 0x20 && text[i] < 0x7f;
        if (!ok) {
            snprintf(err, errlen, "google-meet: malformed answer from %s %s (hangoutLink is "
                     "not an https URL)", method, path);
            return FAILED;
        }
        out->url = strdup(text);
        return out->url ? READY : FAILED;
    }
    if (code && strcmp(code, "pending") == 0) {
        snprintf(err, errlen, "google-meet: the Meet conference is still being prepared");
        return PENDING;
    }
    if (code && strcmp(code, "failure") == 0) {
        snprintf(err, errlen, "google-meet: Google could not make the Meet conference");
        return REFUSED;
    }
    snprintf(err, errlen, "google-meet: malformed answer from %s %s (no hangoutLink and no "
             "conference status)", method, path);
    return FAILED;
}

static void event_url(const char *id, char *url, size_t len)
{
    snprintf(url, len, "%s/calendars/primary/events/%s", api, id);
}

/* The address of a stored event for a change (attendees told: sendUpdates=all), with
 * query (NULL for none) before it; false with err when the stored id is not one Calendar
 * would have given. */
static bool stored_event_url(const char *id, const char *query, char *url, size_t len,
                             char *err, size_t errlen)
{
    if (!valid_event_id(id)) {
        snprintf(err, errlen, "google-meet: stored event id is not a Calendar event id");
        return false;
    }
    snprintf(url, len, "%s/calendars/primary/events/%s?%s%ssendUpdates=all", api, id,
             query ? query : "", query ? "&" : "");
    return true;
}

/* Whether a call on a stored event that did not succeed (its last status) found the
 * event deleted: 404 and 410. */
static bool deleted(long status, char *err, size_t errlen)
{
    if (status != 404 && status != 410)
        return false;
    snprintf(err, errlen, "google-meet: the booking's calendar event was deleted");
    return true;
}

/* What a call on a stored event came to: its answer j (when ok) read into out, cleared
 * first; else GONE (out cleared) or FAILED (out kept: what is known of the event stands). */
static enum conference event_answer(bool ok, const json_t *j, long status, const char *method,
                                    const char *url, struct provider_meeting *out,
                                    char rid[REQUEST_ID_LEN], char *err, size_t errlen)
{
    if (!ok && !deleted(status, err, errlen))
        return FAILED;
    provider_meeting_clear(out);
    return ok ? read_event(j, method, url, out, rid, err, errlen) : GONE;
}

/* GETs event id into out. */
static enum conference get_event(const char *id, double deadline, struct provider_meeting *out,
                                 char rid[REQUEST_ID_LEN], char *err, size_t errlen)
{
    char url[1700];
    event_url(id, url, sizeof url);
    long status = 0;
    json_t *j = NULL;
    bool ok = oauth_call(&oauth, "GET", url, NULL, deadline, &status, &j, err, errlen);
    enum conference c = event_answer(ok, j, status, "GET", url, out, rid, err, errlen);
    json_decref(j);
    return c;
}

/* Asks for a new conference on event id, whose last request (rid) Google could not fulfil,
 * under the next attempt's requestId; reads the event it answers into out. */
static enum conference new_conference(const char *id, double deadline,
                                      struct provider_meeting *out, char rid[REQUEST_ID_LEN],
                                      char *err, size_t errlen)
{
    char url[1800], next[REQUEST_ID_LEN];
    snprintf(next, sizeof next, "%s-%d", id, conference_attempt(id, rid) + 1);
    if (!stored_event_url(id, "conferenceDataVersion=1", url, sizeof url, err, errlen))
        return FAILED;
    json_t *body = json_pack("{s:{s:{s:s, s:{s:s}}}}", "conferenceData", "createRequest",
                             "requestId", next, "conferenceSolutionKey", "type",
                             "hangoutsMeet");
    long status = 0;
    json_t *j = NULL;
    bool ok = oauth_call(&oauth, "PATCH", url, body, deadline, &status, &j, err, errlen);
    enum conference c = event_answer(ok, j, status, "PATCH", url, out, rid, err, errlen);
    json_decref(body);
    json_decref(j);
    return c;
}

/* Follows event id's conference from the state c just read (with its requestId rid) while
 * time is left: a pending one is read again a few times, and one Google could not make is
 * asked for anew, once per call. Returns the last state, with out and err as it left them. */
static enum conference follow(const char *id, enum conference c, char rid[REQUEST_ID_LEN],
                              double deadline, struct provider_meeting *out, char *err,
                              size_t errlen)
{
    bool asked = false;
    for (int reads = 0;;) {
        if (c == REFUSED && !asked) {
            asked = true;
            c = new_conference(id, deadline, out, rid, err, errlen);
            continue;
        }
        if (c != PENDING || ++reads > PENDING_READS ||
            provider_now() + PENDING_WAIT + 0.5 >= deadline)
            return c;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(PENDING_WAIT * 1e9)};
        nanosleep(&ts, NULL);
        c = get_event(id, deadline, out, rid, err, errlen);
    }
}

static bool google_create(const struct provider_booking *b, double deadline,
                          struct provider_meeting *out, char *err, size_t errlen)
{
    char *package = provider_text(b->package, 150), *summary = NULL;
    if (package == NULL ||
        asprintf(&summary, "%s, session %d", package, b->session_number) < 0) {
        free(package);
        snprintf(err, errlen, "google-meet: out of memory");
        return false;
    }
    free(package);
    json_t *body = json_pack("{s:s, s:[{s:s}, {s:s}]}", "summary", summary, "attendees",
                             "email", b->mentor_email, "email", b->mentee_email);
    free(summary);
    put_when(body, b);
    char url[600], id[EVENT_ID_LEN], rid[REQUEST_ID_LEN];
    snprintf(url, sizeof url, "%s/calendars/primary/events?conferenceDataVersion=1&"
             "sendUpdates=all", api);
    enum conference c = FAILED;
    bool found = false;
    int version = 1;
    for (; version <= EVENT_VERSIONS; version++) {
        event_id(b->id, version, id);
        /* The first event's first conference is asked for under the booking's id, as it
         * was before events had versions. */
        if (version == 1)
            snprintf(rid, sizeof rid, "%s", b->id);
        else
            snprintf(rid, sizeof rid, "%s-1", id);
        json_object_set_new(body, "id", json_string(id));
        json_object_set_new(body, "conferenceData",
                            json_pack("{s:{s:s, s:{s:s}}}", "createRequest", "requestId", rid,
                                      "conferenceSolutionKey", "type", "hangoutsMeet"));
        long status = 0;
        json_t *j = NULL;
        if (oauth_call(&oauth, "POST", url, body, deadline, &status, &j, err, errlen)) {
            c = read_event(j, "POST", url, out, rid, err, errlen);
            json_decref(j);
            break;
        }
        json_decref(j);
        if (status != 409)
            break;
        /* 409: the id is taken, by the event an earlier attempt made and whose answer was
         * lost (then it is this booking's event), or by one deleted since, whose id Google
         * keeps (then the next version is made). */
        c = get_event(id, deadline, out, rid, err, errlen);
        if (c != GONE) {
            found = true;
            break;
        }
    }
    json_decref(body);
    if (version > EVENT_VERSIONS) {
        snprintf(err, errlen, "google-meet: the booking's calendar event was deleted %d "
                 "times; no other is made", EVENT_VERSIONS);
        return false;
    }
    c = follow(id, c, rid, deadline, out, err, errlen);
    out->found = found && out->id != NULL;
    return c == READY;
}

static enum provider_status google_details(const char *meeting_id, double deadline,
                                           struct provider_meeting *out, char *err,
                                           size_t errlen)
{
    if (!valid_event_id(meeting_id)) {
        snprintf(err, errlen, "google-meet: stored event id is not a Calendar event id");
        return PROVIDER_FAILED;
    }
    char rid[REQUEST_ID_LEN];
    enum conference c = get_event(meeting_id, deadline, out, rid, err, errlen);
    c = follow(meeting_id, c, rid, deadline, out, err, errlen);
    /* Pending or refused past this call, out->id is kept: the event exists. */
    return c == READY ? PROVIDER_OK : c == GONE ? PROVIDER_GONE : PROVIDER_FAILED;
}

static enum provider_status google_update(const char *meeting_id,
                                          const struct provider_booking *b, double deadline,
                                          char *err, size_t errlen)
{
    char url[1800];
    if (!stored_event_url(meeting_id, NULL, url, sizeof url, err, errlen))
        return PROVIDER_FAILED;
    long status = 0;
    json_t *j = NULL, *body = json_object();
    put_when(body, b);
    bool ok = oauth_call(&oauth, "PATCH", url, body, deadline, &status, &j, err, errlen);
    const char *state = json_string_value(json_object_get(j, "status"));
    /* A deleted event may be patched all the same, and then says it is cancelled. */
    bool cancelled = ok && state && strcmp(state, "cancelled") == 0;
    json_decref(body);
    json_decref(j);
    if (cancelled || (!ok && deleted(status, err, errlen))) {
        snprintf(err, errlen, "google-meet: the booking's calendar event was deleted");
        return PROVIDER_GONE;
    }
    return ok ? PROVIDER_OK : PROVIDER_FAILED;
}

static bool google_remove(const char *meeting_id, double deadline, char *err, size_t errlen)
{
    char url[1800];
    if (!stored_event_url(meeting_id, NULL, url, sizeof url, err, errlen))
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
