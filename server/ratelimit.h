/* Per-client token buckets: each client key may make `per_minute` requests a minute, in
 * bursts of up to that many. Thread-safe. */
#ifndef SERVER_RATELIMIT_H
#define SERVER_RATELIMIT_H

#include <stdbool.h>

struct ratelimit;

/* per_minute 0 turns limiting off. Caller frees with ratelimit_free. */
struct ratelimit *ratelimit_new(unsigned per_minute);
void ratelimit_free(struct ratelimit *rl);

/* Takes one token for key. Returns true if allowed; if not, *retry_after says in how many
 * seconds the next one is due. */
bool ratelimit_take(struct ratelimit *rl, const char *key, unsigned *retry_after);

#endif
