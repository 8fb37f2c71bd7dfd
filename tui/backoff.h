/* When a screen asks the platform again: at its normal refresh interval while the platform
 * answers, and after a failure sooner at first, then less and less often (2, 4, 8, 16 s...,
 * never more than the interval), so that a platform back after a short outage is seen at
 * once and a long one costs few requests. */
#ifndef TUI_BACKOFF_H
#define TUI_BACKOFF_H

#include <stdbool.h>
#include <time.h>

struct backoff {
    int interval;  /* seconds between refreshes while the platform answers */
    int failures;  /* in a row */
    time_t next;   /* when to ask again */
};

/* An answer came at now: the next refresh is an interval later. */
void backoff_ok(struct backoff *b, time_t now);
/* A try failed at now: the next is sooner than the interval at first, then later. */
void backoff_failed(struct backoff *b, time_t now);
/* True when it is time to ask again. */
bool backoff_due(const struct backoff *b, time_t now);

#endif
