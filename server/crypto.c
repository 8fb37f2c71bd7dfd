#include "server/crypto.h"

#include <ctype.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool crypto_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    if (nbytes > sizeof buf || RAND_bytes(buf, (int)nbytes) != 1)
        return false;
    to_hex(buf, nbytes, out);
    OPENSSL_cleanse(buf, sizeof buf);
    return true;
}

void crypto_sha256_hex(const char *s, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, strlen(s), md);
    to_hex(md, sizeof md, out);
}

void crypto_hmac_sha256_hex(const char *key, const void *const *parts, const size_t *lens,
                            size_t nparts, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    size_t outl = 0;
    out[0] = '\0';
    if (ctx && EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params) == 1) {
        bool ok = true;
        for (size_t i = 0; i < nparts && ok; i++)
            ok = EVP_MAC_update(ctx, parts[i], lens[i]) == 1;
        if (ok && EVP_MAC_final(ctx, md, &outl, sizeof md) == 1)
            mdlen = (unsigned int)outl;
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (mdlen == SHA256_DIGEST_LENGTH)
        to_hex(md, mdlen, out);
}

bool crypto_signature_equal(const char *expected_hex, const char *received_hex)
{
    size_t n = strlen(expected_hex);
    if (n == 0 || strlen(received_hex) != n || n > 128)
        return false;
    char lowered[129];
    for (size_t i = 0; i < n; i++)
        lowered[i] = (char)tolower((unsigned char)received_hex[i]);
    return CRYPTO_memcmp(expected_hex, lowered, n) == 0;
}
