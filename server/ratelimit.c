#include "server/ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A fixed table: a client whose slot is taken by another (hash collision, or more clients
 * than slots) shares its bucket, which errs on the side of limiting, never of growing. */
#define SLOTS 1024
#define KEYLEN 64

struct bucket {
    char key[KEYLEN];
    double tokens;
    double stamp;
};

struct ratelimit {
    pthread_mutex_t lock;
    double per_second, burst;
    struct bucket slots[SLOTS];
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct ratelimit *ratelimit_new(unsigned per_minute)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (rl == NULL)
        return NULL;
    pthread_mutex_init(&rl->lock, NULL);
    rl->per_second = per_minute / 60.0;
    rl->burst = per_minute;
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

static unsigned long hash(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

bool ratelimit_take(struct ratelimit *rl, const char *key, unsigned *retry_after)
{
    if (rl->burst <= 0)
        return true;
    double now = now_seconds();
    pthread_mutex_lock(&rl->lock);
    struct bucket *b = &rl->slots[hash(key) % SLOTS];
    if (b->stamp > 0) {
        b->tokens += (now - b->stamp) * rl->per_second;
        if (b->tokens > rl->burst)
            b->tokens = rl->burst;
    }
    /* A full bucket holds no history, so another client may take the slot over. */
    if (b->stamp == 0 || (strncmp(b->key, key, KEYLEN - 1) != 0 && b->tokens >= rl->burst)) {
        snprintf(b->key, KEYLEN, "%s", key);
        b->tokens = rl->burst;
    }
    b->stamp = now;
    bool ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    else
        *retry_after = (unsigned)((1.0 - b->tokens) / rl->per_second) + 1;
    pthread_mutex_unlock(&rl->lock);
    return ok;
}
