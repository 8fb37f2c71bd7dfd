/* Submissions (complete, feedback) that could not be sent for a passing reason, kept in
 * $XDG_STATE_HOME/dheya-meet/outbox/ as one durable file each, and sent again later with
 * the same idempotency key, so that the platform stores them once. */
#ifndef TUI_OUTBOX_H
#define TUI_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "net/api.h"
#include "net/submission.h"

/* Writes s to the outbox. On failure err says why. */
bool outbox_add(const struct submission *s, char *err, size_t errlen);

struct outbox_report {
    int sent;     /* delivered and removed */
    int kept;     /* still queued (passing failure, or meant for another platform address) */
    int rejected; /* refused for good; moved to outbox/rejected/ so the text is not lost */
};

/* Sends every queued submission meant for api_url, oldest first (blocking). A line per
 * outcome goes to log. When a passing failure shows the platform is unreachable, the rest
 * stay queued without being tried. */
void outbox_flush(struct api *api, const char *api_url, FILE *log, struct outbox_report *r);

/* Number of queued submissions. */
int outbox_count(void);

#endif
