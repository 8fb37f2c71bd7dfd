#include "server/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct provider *const providers[] = {
    &provider_jitsi,
};

/* Named by the seed, not built yet: each will be one file beside provider_jitsi.c. */
static const char *const planned[] = {"zoom", "google-meet"};

static unsigned timeout_seconds = 10;

void provider_meeting_clear(struct provider_meeting *m)
{
    free(m->id);
    free(m->url);
    free(m->passcode);
    m->id = m->url = m->passcode = NULL;
}

unsigned provider_timeout(void)
{
    return timeout_seconds;
}

double provider_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* MEETING_PROVIDER_TIMEOUT: whole seconds from 1 to 60. */
static bool read_timeout(char *err, size_t errlen)
{
    const char *v = getenv("MEETING_PROVIDER_TIMEOUT");
    if (v == NULL || *v == '\0')
        return true;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end != '\0' || n < 1 || n > 60 || v[0] == '-' || v[0] == '+') {
        snprintf(err, errlen, "MEETING_PROVIDER_TIMEOUT=%.20s: expected whole seconds from 1 "
                 "to 60", v);
        return false;
    }
    timeout_seconds = (unsigned)n;
    return true;
}

const struct provider *provider_from_env(char *err, size_t errlen)
{
    const char *name = getenv("MEETING_PROVIDER");
    if (name == NULL || *name == '\0')
        name = "jitsi";
    if (!read_timeout(err, errlen))
        return NULL;
    for (size_t i = 0; i < sizeof providers / sizeof *providers; i++) {
        if (strcmp(providers[i]->name, name) == 0)
            return providers[i]->configure(err, errlen) ? providers[i] : NULL;
    }
    for (size_t i = 0; i < sizeof planned / sizeof *planned; i++) {
        if (strcmp(planned[i], name) == 0) {
            snprintf(err, errlen,
                     "MEETING_PROVIDER=%s: this provider is not implemented yet; "
                     "use MEETING_PROVIDER=jitsi", name);
            return NULL;
        }
    }
    snprintf(err, errlen, "MEETING_PROVIDER=%.40s: unknown provider (known: jitsi, zoom, "
             "google-meet)", name);
    return NULL;
}
