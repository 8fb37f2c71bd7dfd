#include "server/provider.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct provider *const providers[] = {
    &provider_jitsi,
    &provider_zoom,
    &provider_google_meet,
};

static unsigned timeout_seconds = 10;

void provider_meeting_clear(struct provider_meeting *m)
{
    free(m->id);
    free(m->url);
    free(m->passcode);
    m->id = m->url = m->passcode = NULL;
    m->found = false;
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

/* MEETING_PROVIDER_TIMEOUT: whole seconds from 1 to PROVIDER_TIMEOUT_MAX. */
static bool read_timeout(char *err, size_t errlen)
{
    const char *v = getenv("MEETING_PROVIDER_TIMEOUT");
    if (v == NULL || *v == '\0')
        return true;
    char *end;
    long n = strtol(v, &end, 10);
    if (!isdigit((unsigned char)v[0]) || *end != '\0' || n < 1) {
        snprintf(err, errlen, "MEETING_PROVIDER_TIMEOUT=%.20s: expected whole seconds from 1 "
                 "to %d", v, PROVIDER_TIMEOUT_MAX);
        return false;
    }
    if (n > PROVIDER_TIMEOUT_MAX) {
        snprintf(err, errlen, "MEETING_PROVIDER_TIMEOUT=%.20s: at most %d seconds, since "
                 "dheya-meet gives up on a request after 15 s and a request may first wait "
                 "for another one's provider call", v, PROVIDER_TIMEOUT_MAX);
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
    snprintf(err, errlen, "MEETING_PROVIDER=%.40s: unknown provider (known: jitsi, zoom, "
             "google-meet)", name);
    return NULL;
}

char *provider_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *o = out;
    if (out == NULL)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t count = 0; *p && count < max; count++) {
        size_t len = *p < 0x80 ? 1 : *p < 0xc2 ? 0 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3
                                                                  : *p < 0xf5 ? 4 : 0;
        bool ok = len > 0;
        for (size_t i = 1; ok && i < len; i++)
            ok = (p[i] & 0xc0) == 0x80;
        /* No overlong three- or four-byte forms, surrogates, or code points past U+10FFFF. */
        if (ok && len == 3)
            ok = !(p[0] == 0xe0 && p[1] < 0xa0) && !(p[0] == 0xed && p[1] > 0x9f);
        if (ok && len == 4)
            ok = !(p[0] == 0xf0 && p[1] < 0x90) && !(p[0] == 0xf4 && p[1] > 0x8f);
        if (!ok) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        } else if (len == 1) {
            *o++ = *p < 0x20 || *p == 0x7f ? ' ' : (char)*p;
            p++;
        } else {
            memcpy(o, p, len);
            o += len;
            p += len;
        }
    }
    *o = '\0';
    return out;
}
