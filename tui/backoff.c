#include "tui/backoff.h"

void backoff_ok(struct backoff *b, time_t now)
{
    b->failures = 0;
    b->next = now + b->interval;
}

void backoff_failed(struct backoff *b, time_t now)
{
    int wait = 2;
    for (int i = 0; i < b->failures && wait < b->interval; i++)
        wait *= 2;
    if (wait > b->interval)
        wait = b->interval;
    b->failures++;
    b->next = now + wait;
}

bool backoff_due(const struct backoff *b, time_t now)
{
    return now >= b->next;
}
