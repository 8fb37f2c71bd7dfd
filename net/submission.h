/* A submission waiting in the outbox: a complete or a feedback, with the idempotency key
 * it was first sent with, as JSON text for its file. */
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
    char *api_url; /* the platform it was meant for */
    time_t queued_at;
};

/* JSON text for s (caller frees), or NULL when out of memory. */
char *submission_encode(const struct submission *s);
/* Reads a submission back; false with err when the text is not one. s is caller-owned and
 * cleared with submission_clear. */
bool submission_decode(const char *text, size_t len, struct submission *s, char *err,
                       size_t errlen);
void submission_clear(struct submission *s);

#endif
