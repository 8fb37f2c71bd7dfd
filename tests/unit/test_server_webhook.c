/* Webhook signatures: GitHub's published test vector, both schemes, the time window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/crypto.h"
#include "server/webhook.h"

static void github_test_vector(void **state)
{
    const char *body = "Hello, World!";
    const void *parts[] = {body};
    size_t lens[] = {strlen(body)};
    char hex[65];
    crypto_hmac_sha256_hex("It's a Secret to Everybody", parts, lens, 1, hex);
    assert_string_equal(hex, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

static void parts_are_concatenated(void **state)
{
    const void *split[] = {"Hello", ", ", "World!"};
    size_t lens[] = {5, 2, 6};
    char hex[65];
    crypto_hmac_sha256_hex("It's a Secret to Everybody", split, lens, 3, hex);
    assert_string_equal(hex, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

/* Builds the "sha256=HEX" header a sender would send. */
static void sign(const char *secret, const char *ts, const char *body, char out[72])
{
    const void *parts[] = {ts, ".", body};
    size_t lens[] = {strlen(ts), 1, strlen(body)};
    char hex[65];
    crypto_hmac_sha256_hex(secret, parts, lens, 3, hex);
    strcpy(out, "sha256=");
    strcat(out, hex);
}

static void generic_scheme(void **state)
{
    char sig[72], err[160];
    const char *body = "{\"id\":\"e1\"}";
    sign("s3cret", "1700000000", body, sig);
    assert_true(webhook_verify_generic("s3cret", "1700000000", sig, body, strlen(body),
                                       1700000000, err, sizeof err));
    /* every one-bit flip of the signature is refused */
    for (size_t i = 7; i < strlen(sig); i++) {
        for (int bit = 0; bit < 7; bit++) {
            char bad[72];
            strcpy(bad, sig);
            bad[i] ^= (char)(1 << bit);
            if (strcasecmp(bad, sig) == 0)
                continue;
            assert_false(webhook_verify_generic("s3cret", "1700000000", bad, body, strlen(body),
                                                1700000000, err, sizeof err));
        }
    }
    assert_false(webhook_verify_generic("s3cret", "1700000000", sig, "{\"id\":\"e2\"}", 11,
                                        1700000000, err, sizeof err));
    assert_false(webhook_verify_generic("other", "1700000000", sig, body, strlen(body),
                                        1700000000, err, sizeof err));
    assert_false(webhook_verify_generic("s3cret", "1700000000", NULL, body, strlen(body),
                                        1700000000, err, sizeof err));
    assert_non_null(strstr(err, "missing or malformed"));
    assert_false(webhook_verify_generic("s3cret", "1700000000", sig + 7, body, strlen(body),
                                        1700000000, err, sizeof err));
}

static void timestamp_window(void **state)
{
    char sig[72], err[160];
    const char *body = "{}";
    sign("k", "1700000000", body, sig);
    assert_true(webhook_verify_generic("k", "1700000000", sig, body, 2, 1700000300, err,
                                       sizeof err));
    assert_true(webhook_verify_generic("k", "1700000000", sig, body, 2, 1699999700, err,
                                       sizeof err));
    assert_false(webhook_verify_generic("k", "1700000000", sig, body, 2, 1700000301, err,
                                        sizeof err));
    assert_non_null(strstr(err, "300 seconds"));
    assert_false(webhook_verify_generic("k", "1700000000", sig, body, 2, 1699999699, err,
                                        sizeof err));
    const char *bad_ts[] = {"", "abc", "-5", "1700000000.5", " 1700000000", "99999999999999"};
    for (size_t i = 0; i < sizeof bad_ts / sizeof *bad_ts; i++)
        assert_false(webhook_verify_generic("k", bad_ts[i], sig, body, 2, 1700000000, err,
                                            sizeof err));
    assert_false(webhook_verify_generic("k", NULL, sig, body, 2, 1700000000, err, sizeof err));
}

static void zoom_scheme(void **state)
{
    const char *body = "{\"event\":\"meeting.started\"}";
    const void *parts[] = {"v0:1700000000:", body};
    size_t lens[] = {14, strlen(body)};
    char hex[65], sig[72], err[160];
    crypto_hmac_sha256_hex("zsecret", parts, lens, 2, hex);
    strcpy(sig, "v0=");
    strcat(sig, hex);
    assert_true(webhook_verify_zoom("zsecret", "1700000000", sig, body, strlen(body),
                                    1700000010, err, sizeof err));
    sig[3] = sig[3] == 'a' ? 'b' : 'a';
    assert_false(webhook_verify_zoom("zsecret", "1700000000", sig, body, strlen(body),
                                     1700000010, err, sizeof err));
    assert_false(webhook_verify_zoom("zsecret", "1700000000", hex, body, strlen(body),
                                     1700000010, err, sizeof err));
}

static void signature_compare(void **state)
{
    assert_true(crypto_signature_equal("ab12", "AB12"));
    assert_false(crypto_signature_equal("ab12", "ab1"));
    assert_false(crypto_signature_equal("ab12", "ab123"));
    assert_false(crypto_signature_equal("", ""));
}

static void random_hex(void **state)
{
    char a[33], b[33];
    assert_true(crypto_random_hex(a, 16));
    assert_true(crypto_random_hex(b, 16));
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(github_test_vector), cmocka_unit_test(parts_are_concatenated),
        cmocka_unit_test(generic_scheme),     cmocka_unit_test(timestamp_window),
        cmocka_unit_test(zoom_scheme),        cmocka_unit_test(signature_compare),
        cmocka_unit_test(random_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
