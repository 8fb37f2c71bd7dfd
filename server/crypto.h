/* Random identifiers, token hashing and webhook signatures (OpenSSL). */
#ifndef SERVER_CRYPTO_H
#define SERVER_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

/* Fills out with 2*nbytes lowercase hex characters of CSPRNG output and a NUL;
 * out must hold 2*nbytes+1 bytes. Returns false if the CSPRNG failed. */
bool crypto_random_hex(char *out, size_t nbytes);

/* SHA-256 of s as 64 hex characters; out holds 65 bytes. */
void crypto_sha256_hex(const char *s, char out[65]);

/* HMAC-SHA256 of the concatenated parts under key, as 64 hex characters. */
void crypto_hmac_sha256_hex(const char *key, const void *const *parts, const size_t *lens,
                            size_t nparts, char out[65]);

/* Compares a received hex signature with the expected one in constant time (for equal
 * lengths), case-insensitively. */
bool crypto_signature_equal(const char *expected_hex, const char *received_hex);

#endif
