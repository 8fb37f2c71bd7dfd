/* libFuzzer target: POST /api/webhooks/meeting as dheya-server handles it (webhook_handle),
 * under both signature schemes (sha256= over TIMESTAMP.BODY for jitsi and google-meet,
 * v0= over v0:TIMESTAMP:BODY for zoom), against a real database in a temporary directory.
 *
 * The input: a flags byte, then the fuzzed header lines the flags ask for, then the body.
 *   bits 0-1  x-provider: 0 jitsi, 1 zoom, 2 google-meet, 3 the next input line
 *   bit 2     the signature is computed from the body (else the next input line is sent)
 *   bit 3     the timestamp is now (else the next input line is sent)
 *   bit 4     the scheme's secret is not configured
 *   bit 5     no signature header at all
 * "$B" in the body becomes the id of a booking that exists, so that events reach the
 * database. The headers are served by this file's MHD_lookup_connection_value, which takes
 * the place of libmicrohttpd's. */
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "server/app.h"
#include "server/crypto.h"
#include "server/db.h"
#include "server/http.h"
#include "server/ratelimit.h"
#include "server/webhook.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_WEBHOOK_SECRET_GENERIC "It's a Secret to Everybody"
#define FUZZ_WEBHOOK_SECRET_ZOOM "zoom secret"

struct fuzz_webhook_headers {
    const char *names[4];
    const char *values[4];
};

const char *MHD_lookup_connection_value(struct MHD_Connection *connection,
                                        enum MHD_ValueKind kind, const char *key)
{
    const struct fuzz_webhook_headers *h = (const struct fuzz_webhook_headers *)connection;
    if (h == NULL || kind != MHD_HEADER_KIND)
        return NULL;
    for (size_t i = 0; i < 4; i++)
        if (h->names[i] && strcasecmp(h->names[i], key) == 0)
            return h->values[i];
    return NULL;
}

static struct app fuzz_webhook_app;
static char fuzz_webhook_dir[256], fuzz_webhook_booking[40];

static void fuzz_webhook_cleanup(void)
{
    db_close(fuzz_webhook_app.db);
    ratelimit_free(fuzz_webhook_app.limit);
    static const char *const files[] = {"db", "db-wal", "db-shm", "db-journal"};
    char path[300];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", fuzz_webhook_dir, files[i]);
        unlink(path);
    }
    rmdir(fuzz_webhook_dir);
}

/* A database with a mentor, a mentee and a booking starting now. */
static void fuzz_webhook_init(void)
{
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_webhook_dir, sizeof fuzz_webhook_dir, "%s/dheya-fuzz-webhook-XXXXXX", tmp);
    FUZZ_CHECK(mkdtemp(fuzz_webhook_dir) != NULL);
    atexit(fuzz_webhook_cleanup);
    char path[300], err[256];
    snprintf(path, sizeof path, "%s/db", fuzz_webhook_dir);
    fuzz_webhook_app.db = db_open(path, err, sizeof err);
    FUZZ_CHECK(fuzz_webhook_app.db != NULL);
    fuzz_webhook_app.limit = ratelimit_new(0);
    char user[40], mentor[40], package[40], token[65];
    FUZZ_CHECK(db_user_add(fuzz_webhook_app.db, "M", "m@example.com", "mentor", mentor, token, err,
                           sizeof err) == DB_OK);
    FUZZ_CHECK(db_user_add(fuzz_webhook_app.db, "U", "u@example.com", "user", user, token, err,
                           sizeof err) == DB_OK);
    FUZZ_CHECK(db_package_add(fuzz_webhook_app.db, "P", package) == DB_OK);
    struct db_booking_request req = {.mentor_id = mentor, .package_id = package,
                                     .session_number = 1, .duration = 60,
                                     .scheduled_at = time(NULL)};
    FUZZ_CHECK(db_booking_insert(fuzz_webhook_app.db, "jitsi", user, &req, fuzz_webhook_booking) ==
               DB_OK);
}

/* The next line of the input (without its newline); advances *p. */
static char *fuzz_webhook_line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, *p, n);
    s[n] = '\0';
    *p = nl ? nl + 1 : end;
    return s;
}

/* The body with each "$B" made the booking's id. */
static char *fuzz_webhook_body(const char *p, size_t n, size_t *len)
{
    size_t id = strlen(fuzz_webhook_booking);
    char *out = malloc(n * (id > 2 ? id : 2) / 2 + 1), *o = out;
    FUZZ_CHECK(out != NULL);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '$' && i + 1 < n && p[i + 1] == 'B') {
            memcpy(o, fuzz_webhook_booking, id);
            o += id;
            i++;
        } else {
            *o++ = p[i];
        }
    }
    *o = '\0';
    *len = (size_t)(o - out);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_webhook_app.db == NULL)
        fuzz_webhook_init();
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    static const char *const providers[] = {"jitsi", "zoom", "google-meet"};
    char *provider = (flags & 3) == 3 ? fuzz_webhook_line(&p, end) : strdup(providers[flags & 3]);
    bool computed = flags & 4, now_ts = flags & 8, no_secret = flags & 16, no_sig = flags & 32;
    char *ts = NULL, *sig = NULL;
    if (now_ts) {
        ts = malloc(24);
        FUZZ_CHECK(ts != NULL);
        snprintf(ts, 24, "%lld", (long long)time(NULL));
    } else {
        ts = fuzz_webhook_line(&p, end);
    }
    if (!computed)
        sig = fuzz_webhook_line(&p, end);
    size_t body_len;
    char *body = fuzz_webhook_body(p, (size_t)(end - p), &body_len);

    bool zoom = strcmp(provider, "zoom") == 0;
    if (computed) {
        char hex[65];
        const void *parts[4];
        size_t lens[4], n = 0;
        if (zoom)
            parts[n] = "v0:", lens[n++] = 3;
        parts[n] = ts, lens[n++] = strlen(ts);
        parts[n] = zoom ? ":" : ".", lens[n++] = 1;
        parts[n] = body, lens[n++] = body_len;
        crypto_hmac_sha256_hex(zoom ? FUZZ_WEBHOOK_SECRET_ZOOM : FUZZ_WEBHOOK_SECRET_GENERIC, parts, lens,
                               n, hex);
        sig = malloc(80);
        FUZZ_CHECK(sig != NULL);
        snprintf(sig, 80, "%s=%s", zoom ? "v0" : "sha256", hex);
    }

    struct fuzz_webhook_headers h = {
        {"x-provider", zoom ? "x-zm-request-timestamp" : "x-webhook-timestamp",
         no_sig ? NULL : zoom ? "x-zm-signature" : "x-webhook-signature", NULL},
        {provider, ts, sig, NULL},
    };
    fuzz_webhook_app.webhook_secret = no_secret && !zoom ? NULL : FUZZ_WEBHOOK_SECRET_GENERIC;
    fuzz_webhook_app.zoom_webhook_secret = no_secret && zoom ? NULL : FUZZ_WEBHOOK_SECRET_ZOOM;
    struct http_request rq = {.conn = &h, .method = "POST", .path = "/api/webhooks/meeting",
                              .body = body, .body_len = body_len, .client = "127.0.0.1"};
    struct http_response rs = {0};
    webhook_handle(&fuzz_webhook_app, &rq, &rs);

    /* Every answer is a JSON object; nothing unsigned gets past the check. */
    FUZZ_CHECK(rs.body != NULL);
    json_t *answer = json_loads(rs.body, 0, NULL);
    FUZZ_CHECK(json_is_object(answer));
    json_decref(answer);
    bool known = zoom || strcmp(provider, "jitsi") == 0 || strcmp(provider, "google-meet") == 0;
    if (!known)
        FUZZ_CHECK(rs.status == 400);
    else if (no_secret)
        FUZZ_CHECK(rs.status == 503);
    else if (!computed || no_sig)
        FUZZ_CHECK(rs.status == 401);
    else
        FUZZ_CHECK(rs.status != 503);

    free(rs.body);
    free(body);
    free(sig);
    free(ts);
    free(provider);
    return 0;
}
