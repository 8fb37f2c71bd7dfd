/* HARDENING item 18, proven rather than timed: the webhook signatures of both schemes are
 * compared by OpenSSL's CRYPTO_memcmp over the whole HMAC, and its answer alone decides.
 *
 * This binary is linked with -Wl,--wrap=CRYPTO_memcmp (its own line in the Makefile), so
 * every call our objects make to CRYPTO_memcmp lands in __wrap_CRYPTO_memcmp below, which
 * records it, can overrule the verdict, and otherwise asks the real one. A comparison made
 * any other way (strcmp, memcmp, a loop that stops at the first difference) would not be
 * seen here, and overruling the verdict would then not change the outcome. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include "server/app.h"
#include "server/crypto.h"
#include "server/http.h"
#include "server/ratelimit.h"
#include "server/webhook.h"

#define HEX 64 /* an HMAC-SHA256 in hex */

enum verdict { REAL, SAY_EQUAL, SAY_DIFFERENT };

/* What the wrapper saw; the route tests call it from the server's threads. */
static struct {
    pthread_mutex_t lock;
    int calls;
    size_t len;
    char a[HEX + 1], b[HEX + 1];
    enum verdict verdict;
} seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

int __real_CRYPTO_memcmp(const void *a, const void *b, size_t len);
int __wrap_CRYPTO_memcmp(const void *a, const void *b, size_t len);

int __wrap_CRYPTO_memcmp(const void *a, const void *b, size_t len)
{
    pthread_mutex_lock(&seen.lock);
    seen.calls++;
    seen.len = len;
    size_t n = len < HEX ? len : HEX;
    memcpy(seen.a, a, n);
    memcpy(seen.b, b, n);
    seen.a[n] = seen.b[n] = '\0';
    enum verdict v = seen.verdict;
    pthread_mutex_unlock(&seen.lock);
    int real = __real_CRYPTO_memcmp(a, b, len);
    return v == SAY_EQUAL ? 0 : v == SAY_DIFFERENT ? 1 : real;
}

static void reset(enum verdict v)
{
    pthread_mutex_lock(&seen.lock);
    seen.calls = 0;
    seen.len = 0;
    seen.a[0] = seen.b[0] = '\0';
    seen.verdict = v;
    pthread_mutex_unlock(&seen.lock);
}

static int calls(void)
{
    pthread_mutex_lock(&seen.lock);
    int n = seen.calls;
    pthread_mutex_unlock(&seen.lock);
    return n;
}

static const char *const body = "{\"id\":\"evt-1\",\"event\":\"meeting.started\","
                                "\"bookingId\":\"no-such-booking\","
                                "\"occurredAt\":\"2030-01-01T00:00:00Z\"}";

/* The hex HMAC a sender of scheme ("sha256" or "v0") would sign body with at ts. */
static void hmac_for(const char *scheme, const char *secret, const char *ts, char hex[HEX + 1])
{
    bool zoom = strcmp(scheme, "v0") == 0;
    const void *parts[] = {zoom ? "v0:" : "", ts, zoom ? ":" : ".", body};
    size_t lens[] = {zoom ? 3 : 0, strlen(ts), 1, strlen(body)};
    crypto_hmac_sha256_hex(secret, parts, lens, 4, hex);
}

static bool verify(const char *scheme, const char *secret, const char *ts, const char *header,
                   time_t now)
{
    char err[160];
    return strcmp(scheme, "v0") == 0
               ? webhook_verify_zoom(secret, ts, header, body, strlen(body), now, err, sizeof err)
               : webhook_verify_generic(secret, ts, header, body, strlen(body), now, err,
                                        sizeof err);
}

static const char *const schemes[] = {"sha256", "v0"};

static void both_schemes_compare_the_whole_hmac_through_crypto_memcmp(void **state)
{
    const char *ts = "1700000000";
    for (size_t s = 0; s < 2; s++) {
        char hex[HEX + 1], header[80];
        hmac_for(schemes[s], "k", ts, hex);
        /* Right, in capitals, and wrong in the first, a middle and the last digit: each is
         * one call over all 64 digits, expected against received (lowered). */
        for (int v = 0; v < 5; v++) {
            char sent[HEX + 1];
            strcpy(sent, hex);
            int at = v == 2 ? 0 : v == 3 ? HEX / 2 : HEX - 1;
            if (v == 1)
                for (char *p = sent; *p; p++)
                    *p = (char)toupper((unsigned char)*p);
            else if (v >= 2)
                sent[at] = sent[at] == '0' ? '1' : '0';
            snprintf(header, sizeof header, "%s=%s", schemes[s], sent);
            reset(REAL);
            bool ok = verify(schemes[s], "k", ts, header, 1700000000);
            assert_int_equal(ok, v <= 1);
            assert_int_equal(calls(), 1);
            assert_int_equal(seen.len, HEX);
            assert_string_equal(seen.a, hex);
            assert_int_equal(strcasecmp(seen.b, sent), 0);
            assert_int_equal(strspn(seen.b, "0123456789abcdef"), HEX);
        }
    }
}

static void crypto_memcmp_alone_decides(void **state)
{
    const char *ts = "1700000000";
    for (size_t s = 0; s < 2; s++) {
        char hex[HEX + 1], header[80], forged[80];
        hmac_for(schemes[s], "k", ts, hex);
        snprintf(header, sizeof header, "%s=%s", schemes[s], hex);
        snprintf(forged, sizeof forged, "%s=%0*d", schemes[s], HEX, 0);
        /* Overruled, CRYPTO_memcmp's word is taken both ways: nothing else compares. */
        reset(SAY_EQUAL);
        assert_true(verify(schemes[s], "k", ts, forged, 1700000000));
        assert_int_equal(calls(), 1);
        reset(SAY_DIFFERENT);
        assert_false(verify(schemes[s], "k", ts, header, 1700000000));
        assert_int_equal(calls(), 1);
        /* What cannot be a signature is refused before any comparison, whatever it says:
         * the length of an HMAC is no secret. */
        const char *bad[] = {NULL, "", hex, "sha1=abc", "v1=abc"};
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            reset(SAY_EQUAL);
            assert_false(verify(schemes[s], "k", ts, bad[i], 1700000000));
            assert_int_equal(calls(), 0);
        }
        char shorter[80];
        snprintf(shorter, sizeof shorter, "%s=%.*s", schemes[s], HEX - 1, hex);
        reset(SAY_EQUAL);
        assert_false(verify(schemes[s], "k", ts, shorter, 1700000000));
        assert_int_equal(calls(), 0);
    }
}

/* ---- the route itself, over HTTP ---- */

static void route(void *ctx, const struct http_request *rq, struct http_response *rs)
{
    webhook_handle(ctx, rq, rs);
}

/* POSTs body to the webhook route with the given headers; returns the HTTP status. */
static int post(int port, const char *headers)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char rq[2048];
    int n = snprintf(rq, sizeof rq, "POST /api/webhooks/meeting HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n%s"
                     "Connection: close\r\n\r\n%s", strlen(body), headers, body);
    assert_int_equal(write(fd, rq, (size_t)n), n);
    char answer[4096];
    size_t got = 0;
    ssize_t r;
    while (got < sizeof answer - 1 && (r = read(fd, answer + got, sizeof answer - 1 - got)) > 0)
        got += (size_t)r;
    answer[got] = '\0';
    close(fd);
    int status = 0;
    assert_int_equal(sscanf(answer, "HTTP/1.%*d %d", &status), 1);
    return status;
}

static void the_route_takes_crypto_memcmps_word_for_both_schemes(void **state)
{
    char dir[] = "/tmp/dheya-consttime-XXXXXX", path[64], err[256], *url = NULL;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/test.db", dir);
    struct app app = {.webhook_secret = "generic secret", .zoom_webhook_secret = "zoom secret"};
    app.db = db_open(path, err, sizeof err);
    assert_non_null(app.db);
    app.limit = ratelimit_new(0);
    struct http_options opt = {.listen = "127.0.0.1:0", .timeout_seconds = 10,
                               .max_connections = 8, .max_per_ip = 8, .quiet = true};
    struct http_server *srv = http_start(&opt, route, &app, &url, err, sizeof err);
    if (srv == NULL)
        fail_msg("http_start: %s", err);
    int port = atoi(strrchr(url, ':') + 1);
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    for (size_t s = 0; s < 2; s++) {
        bool zoom = s == 1;
        char hex[HEX + 1], headers[512], forged[512];
        hmac_for(schemes[s], zoom ? "zoom secret" : "generic secret", ts, hex);
        char zeros[HEX + 1];
        memset(zeros, '0', HEX);
        zeros[HEX] = '\0';
        for (int f = 0; f < 2; f++) {
            char *out = f ? forged : headers;
            const char *sig = f ? zeros : hex;
            if (zoom)
                snprintf(out, 512, "x-provider: zoom\r\nx-zm-request-timestamp: %s\r\n"
                         "x-zm-signature: v0=%s\r\n", ts, sig);
            else
                snprintf(out, 512, "x-provider: jitsi\r\nx-webhook-timestamp: %s\r\n"
                         "x-webhook-signature: sha256=%s\r\n", ts, sig);
        }
        /* Signed: past the signature (404: the booking does not exist), after one call. */
        reset(REAL);
        assert_int_equal(post(port, headers), 404);
        assert_int_equal(calls(), 1);
        assert_int_equal(seen.len, HEX);
        assert_string_equal(seen.a, hex);
        /* Forged: 401 after one call; let through when CRYPTO_memcmp is overruled, and a
         * signed one refused when it is overruled the other way. */
        reset(REAL);
        assert_int_equal(post(port, forged), 401);
        assert_int_equal(calls(), 1);
        reset(SAY_EQUAL);
        assert_int_equal(post(port, forged), 404);
        reset(SAY_DIFFERENT);
        assert_int_equal(post(port, headers), 401);
        assert_int_equal(calls(), 1);
    }
    reset(REAL);
    http_stop(srv);
    free(url);
    ratelimit_free(app.limit);
    db_close(app.db);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[80];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_schemes_compare_the_whole_hmac_through_crypto_memcmp),
        cmocka_unit_test(crypto_memcmp_alone_decides),
        cmocka_unit_test(the_route_takes_crypto_memcmps_word_for_both_schemes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
