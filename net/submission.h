/* A submission waiting in the outbox: a complete or a feedback, with the idempotency key
 * it was first sent with and who queued it for which platform, as JSON text for its file. */
#ifndef NET_SUBMISSION_H
#define NET_SUBMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "net/api.h"

struct submission {
    enum api_kind kind; /* API_COMPLETE or API_FEEDBACK */
    char *session_id;
    int rating;
    char *comment;
    char *key;     /* the Idempotency-Key */
    char *api_url; /* the platform it was meant for (as submission_origin gives it) */
    char *account; /* submission_account of the token that queued it; NULL in files written
                      before it was recorded */
    char *refused; /* for a file in outbox/rejected/: the platform's reason; else NULL */
    time_t queued_at;
};

/* JSON text for s (caller frees), or NULL when out of memory. */
char *submission_encode(const struct submission *s);
/* Reads a submission back; false with err when the text is not one. s is caller-owned and
 * cleared with submission_clear. */
bool submission_decode(const char *text, size_t len, struct submission *s, char *err,
                       size_t errlen);
void submission_clear(struct submission *s);

/* A fingerprint of token that tells accounts apart without revealing the token: hex of
 * SHA-256 over a fixed prefix and the token, truncated. Caller frees (g_free). */
char *submission_account(const char *token);

/* The platform address in the one form used to compare two of them: scheme and host in
 * lower case, the port always written (the scheme's default when absent), the path without
 * trailing slashes, no query or fragment: "http://127.0.0.1:8080", "https://x.org:443/api".
 * NULL when url does not parse. Caller frees (g_free). */
char *submission_origin(const char *url);

#endif
