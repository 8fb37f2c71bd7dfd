/* Zoom, through a Server-to-Server OAuth app's REST API (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID,
 * ZOOM_CLIENT_SECRET):
 *   token   POST {ZOOM_OAUTH_URL}?grant_type=account_credentials&account_id=ID, Basic auth
 *   create  POST {ZOOM_API_URL}/users/me/meetings   (a scheduled meeting, type 2)
 *   find    GET {ZOOM_API_URL}/users/me/meetings?type=scheduled&page_size=300
 *   details GET {ZOOM_API_URL}/meetings/{id}        (404: gone)
 *   update  PATCH {ZOOM_API_URL}/meetings/{id}      (start_time, duration; 404: gone)
 *   delete  DELETE {ZOOM_API_URL}/meetings/{id}     (404: already gone)
 * The topic is the package and the session number, nothing personal; the agenda is a
 * marker, "dheya booking ID", with the booking's id alone. Zoom has no idempotency key for
 * creating a meeting, so a create whose answer is lost (a time-out after Zoom took the
 * request) would leave a second meeting when tried again: a create after a failed attempt
 * first looks through the account's scheduled meetings for the one carrying the booking's
 * marker, and uses it if there is one. */
#include "server/provider.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "server/fetch.h"
#include "server/iso8601.h"
#include "server/oauth.h"

static char api[512];
static struct oauth oauth;

/* A credential from the environment: 1 to 256 visible ASCII characters. */
static const char *credential(const char *var, const char *what, char *err, size_t errlen)
{
    const char *v = getenv(var);
    size_t n = v ? strlen(v) : 0;
    bool visible = n > 0 && n <= 256;
    for (size_t i = 0; visible && i < n; i++)
        visible = v[i] > 0x20 && v[i] < 0x7f;
    if (!visible) {
        snprintf(err, errlen, "MEETING_PROVIDER=zoom needs %s (%s), 1 to 256 visible "
                 "characters", var, what);
        return NULL;
    }
    return v;
}

static bool zoom_configure(char *err, size_t errlen)
{
    const char *account = credential("ZOOM_ACCOUNT_ID", "the Server-to-Server OAuth app's "
                                     "Account ID", err, errlen);
    const char *id = account ? credential("ZOOM_CLIENT_ID", "the app's Client ID", err,
                                          errlen) : NULL;
    const char *secret = id ? credential("ZOOM_CLIENT_SECRET", "the app's Client secret",
                                         err, errlen) : NULL;
    char token_url[512];
    if (secret == NULL ||
        !fetch_base_url("ZOOM_API_URL", "https://api.zoom.us/v2", api, sizeof api, err,
                        errlen) ||
        !fetch_base_url("ZOOM_OAUTH_URL", "https://zoom.us/oauth/token", token_url,
                        sizeof token_url, err, errlen))
        return false;
    oauth_init(&oauth, "zoom", "check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET");
    char pair[520];
    unsigned char b64[720];
    int n = snprintf(pair, sizeof pair, "%s:%s", id, secret);
    EVP_EncodeBlock(b64, (const unsigned char *)pair, n);
    char *escaped = curl_easy_escape(NULL, account, 0);
    bool ok = escaped &&
              asprintf(&oauth.token_url, "%s?grant_type=account_credentials&account_id=%s",
                       token_url, escaped) >= 0 &&
              asprintf(&oauth.authorization, "Basic %s", b64) >= 0;
    curl_free(escaped);
    if (!ok)
        snprintf(err, errlen, "out of memory");
    return ok;
}

/* A meeting id as Zoom gives it: a whole number, kept as its digits. */
static bool valid_meeting_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)id[i]))
            return false;
    return true;
}

/* A join URL to hand to both participants: https, printable, of a sane length. */
static bool valid_join_url(const char *url)
{
    size_t n = url ? strlen(url) : 0;
    if (n < 9 || n > 2048 || strncmp(url, "https://", 8) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (url[i] <= 0x20 || url[i] >= 0x7f)
            return false;
    return true;
}

/* Reads a meeting object, the answer of method url, into out. */
static bool read_meeting(const json_t *j, const char *method, const char *url,
                         struct provider_meeting *out, char *err, size_t errlen)
{
    json_t *id = json_object_get(j, "id");
    const char *join = json_string_value(json_object_get(j, "join_url"));
    json_t *password = json_object_get(j, "password");
    char digits[24];
    if (!json_is_integer(id) || json_integer_value(id) <= 0 || !valid_join_url(join) ||
        (password && !json_is_string(password))) {
        char path[256];
        fetch_url_path(url, path, sizeof path);
        snprintf(err, errlen, "zoom: malformed answer from %s %s (needs id, an https join_url "
                 "and a string password)", method, path);
        return false;
    }
    snprintf(digits, sizeof digits, "%lld", (long long)json_integer_value(id));
    const char *pass = json_string_value(password);
    out->id = strdup(digits);
    out->url = strdup(join);
    out->passcode = pass && *pass ? strdup(pass) : NULL;
    if (out->id == NULL || out->url == NULL || (pass && *pass && out->passcode == NULL)) {
        provider_meeting_clear(out);
        snprintf(err, errlen, "zoom: out of memory");
        return false;
    }
    return true;
}

/* The fields a meeting's time takes: start_time in UTC, duration in minutes. */
static void put_time(json_t *body, const struct provider_booking *b)
{
    char when[32];
    iso8601_format(b->start, when);
    json_object_set_new(body, "start_time", json_string(when));
    json_object_set_new(body, "timezone", json_string("UTC"));
    json_object_set_new(body, "duration", json_integer(b->duration));
}

/* Pages of the meetings list read at most when looking for a booking's meeting. */
#define FIND_PAGES 10

/* The agenda that marks a booking's meeting. */
static void marker(const struct provider_booking *b, char *out, size_t len)
{
    snprintf(out, len, "dheya booking %s", b->id);
}

/* Looks through the account's scheduled meetings, FIND_PAGES pages of 300 at most, for the
 * one whose agenda is b's marker: true with its id in id (24 bytes), or with id empty when
 * there is none; false with err when a page could not be read. */
static bool find_meeting(const struct provider_booking *b, double deadline, char id[24],
                         char *err, size_t errlen)
{
    char want[128], url[1200], *page = NULL;
    marker(b, want, sizeof want);
    id[0] = '\0';
    bool ok = true;
    for (int pages = 0; ok && id[0] == '\0' && pages < FIND_PAGES; pages++) {
        char *escaped = page ? curl_easy_escape(NULL, page, 0) : NULL;
        if (page && escaped == NULL) {
            snprintf(err, errlen, "zoom: out of memory");
            ok = false;
            break;
        }
        snprintf(url, sizeof url, "%s/users/me/meetings?type=scheduled&page_size=300%s%s",
                 api, escaped ? "&next_page_token=" : "", escaped ? escaped : "");
        curl_free(escaped);
        free(page);
        page = NULL;
        long status;
        json_t *j = NULL;
        ok = oauth_call(&oauth, "GET", url, NULL, deadline, &status, &j, err, errlen);
        json_t *meetings = json_object_get(j, "meetings");
        const char *next = json_string_value(json_object_get(j, "next_page_token"));
        if (ok && !json_is_array(meetings)) {
            snprintf(err, errlen, "zoom: malformed answer from GET /users/me/meetings (no "
                     "meetings list)");
            ok = false;
        }
        size_t i;
        json_t *item;
        json_array_foreach(ok ? meetings : NULL, i, item) {
            const char *agenda = json_string_value(json_object_get(item, "agenda"));
            json_t *mid = json_object_get(item, "id");
            if (agenda && strcmp(agenda, want) == 0 && json_is_integer(mid) &&
                json_integer_value(mid) > 0) {
                snprintf(id, 24, "%lld", (long long)json_integer_value(mid));
                break;
            }
        }
        if (ok && id[0] == '\0' && next && *next && strlen(next) < 512 &&
            (page = strdup(next)) == NULL) {
            snprintf(err, errlen, "zoom: out of memory");
            ok = false;
        }
        json_decref(j);
        if (page == NULL)
            break;
    }
    free(page);
    return ok;
}

static enum provider_status zoom_details(const char *meeting_id, double deadline,
                                         struct provider_meeting *out, char *err,
                                         size_t errlen);

static bool zoom_create(const struct provider_booking *b, double deadline,
                        struct provider_meeting *out, char *err, size_t errlen)
{
    if (b->tried) {
        /* The earlier attempt may have made the meeting: then it is this one. */
        char found[24];
        if (!find_meeting(b, deadline, found, err, errlen))
            return false;
        if (found[0]) {
            bool ok = zoom_details(found, deadline, out, err, errlen) == PROVIDER_OK;
            /* Known to exist even when its details could not be read: they are asked
             * for next time, and no second meeting is made. */
            if (!ok && (out->id = strdup(found)) == NULL)
                snprintf(err, errlen, "zoom: out of memory");
            out->found = out->id != NULL;
            return ok;
        }
    }
    char *package = provider_text(b->package, 150), *topic = NULL;
    if (package == NULL || asprintf(&topic, "%s, session %d", package, b->session_number) < 0) {
        free(package);
        snprintf(err, errlen, "zoom: out of memory");
        return false;
    }
    free(package);
    char agenda[128];
    marker(b, agenda, sizeof agenda);
    json_t *body = json_pack("{s:s, s:s, s:i, s:{s:b, s:b}}", "topic", topic, "agenda", agenda,
                             "type", 2, "settings", "waiting_room", 1, "join_before_host", 0);
    free(topic);
    put_time(body, b);
    char url[600];
    snprintf(url, sizeof url, "%s/users/me/meetings", api);
    long status;
    json_t *j = NULL;
    bool ok = oauth_call(&oauth, "POST", url, body, deadline, &status, &j, err, errlen) &&
              read_meeting(j, "POST", url, out, err, errlen);
    json_decref(body);
    json_decref(j);
    return ok;
}

/* url for meeting id, or false with err when the stored id is not one of Zoom's. */
static bool meeting_url(const char *id, char *url, size_t len, char *err, size_t errlen)
{
    if (!valid_meeting_id(id)) {
        snprintf(err, errlen, "zoom: stored meeting id is not a Zoom meeting id");
        return false;
    }
    snprintf(url, len, "%s/meetings/%s", api, id);
    return true;
}

/* What a call on a stored meeting came to: Zoom's 404 is "Meeting does not exist". */
static enum provider_status outcome(bool ok, long status, const char *meeting_id, char *err,
                                    size_t errlen)
{
    if (!ok && status == 404) {
        snprintf(err, errlen, "zoom: meeting %s no longer exists at Zoom", meeting_id);
        return PROVIDER_GONE;
    }
    return ok ? PROVIDER_OK : PROVIDER_FAILED;
}

static enum provider_status zoom_details(const char *meeting_id, double deadline,
                                         struct provider_meeting *out, char *err,
                                         size_t errlen)
{
    char url[600];
    long status = 0;
    json_t *j = NULL;
    if (!meeting_url(meeting_id, url, sizeof url, err, errlen))
        return PROVIDER_FAILED;
    bool answered = oauth_call(&oauth, "GET", url, NULL, deadline, &status, &j, err, errlen);
    bool ok = answered && read_meeting(j, "GET", url, out, err, errlen);
    json_decref(j);
    return outcome(ok, answered ? 200 : status, meeting_id, err, errlen);
}

static enum provider_status zoom_update(const char *meeting_id,
                                        const struct provider_booking *b, double deadline,
                                        char *err, size_t errlen)
{
    char url[600];
    long status = 0;
    json_t *j = NULL, *body = json_object();
    put_time(body, b);
    bool ok = meeting_url(meeting_id, url, sizeof url, err, errlen) &&
              oauth_call(&oauth, "PATCH", url, body, deadline, &status, &j, err, errlen);
    json_decref(body);
    json_decref(j);
    return outcome(ok, status, meeting_id, err, errlen);
}

static bool zoom_remove(const char *meeting_id, double deadline, char *err, size_t errlen)
{
    char url[600];
    long status = 0;
    json_t *j = NULL;
    bool ok = meeting_url(meeting_id, url, sizeof url, err, errlen) &&
              oauth_call(&oauth, "DELETE", url, NULL, deadline, &status, &j, err, errlen);
    json_decref(j);
    return ok || status == 404; /* Zoom's "Meeting does not exist": gone already */
}

const struct provider provider_zoom = {
    .name = "zoom",
    .configure = zoom_configure,
    .create = zoom_create,
    .details = zoom_details,
    .update = zoom_update,
    .remove = zoom_remove,
};
