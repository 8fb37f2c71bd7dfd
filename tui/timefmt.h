/* Times as a mentor reads them: local time with the zone, and "in 12 min" countdowns. */
#ifndef TUI_TIMEFMT_H
#define TUI_TIMEFMT_H

#include <stddef.h>
#include <time.h>

/* "Tue 24 Nov 2026 16:35 IST" in the local zone. */
void timefmt_local(time_t t, char *out, size_t outlen);

/* Where now stands relative to a session starting at start and lasting minutes:
 * "in 12 min", "in 3 h 5 min", "in 2 days", "now", "running, 20 min in", "ended 2 h ago". */
void timefmt_relative(time_t now, time_t start, int minutes, char *out, size_t outlen);

/* Where a session stands: "completed", "cancelled", or timefmt_relative's countdown. */
struct meeting;
void timefmt_standing(const struct meeting *m, time_t now, char *out, size_t outlen);

#endif
