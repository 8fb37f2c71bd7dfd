/* Feedback drafts: the rating and comment as the mentor types them, with the idempotency key
 * the submission will use, one durable file per session in $XDG_STATE_HOME/dheya-meet/drafts/
 * so that neither a crash nor kill -9 loses what was typed. */
#ifndef TUI_DRAFT_H
#define TUI_DRAFT_H

#include <stdbool.h>
#include <stddef.h>

struct draft {
    int rating;    /* 0: not rated yet */
    char *comment; /* UTF-8, never NULL after draft_load */
    char *key;     /* the Idempotency-Key, made once per draft */
};

/* Loads the session's draft; when there is none (or it cannot be read) *d is a new empty
 * draft with a fresh key and false is returned. Clear with draft_clear. */
bool draft_load(const char *session_id, struct draft *d);
/* Saves durably; on failure err says why and the previous file is intact. */
bool draft_save(const char *session_id, const struct draft *d, char *err, size_t errlen);
/* Forgets the session's draft (after it was sent or queued). */
void draft_remove(const char *session_id);
void draft_clear(struct draft *d);

#endif
