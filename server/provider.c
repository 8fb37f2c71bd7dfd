#include "server/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct provider *const providers[] = {
    &provider_jitsi,
};

/* Named by the seed, not built yet: each will be one file beside provider_jitsi.c. */
static const char *const planned[] = {"zoom", "google-meet"};

const struct provider *provider_from_env(char *err, size_t errlen)
{
    const char *name = getenv("MEETING_PROVIDER");
    if (name == NULL || *name == '\0')
        name = "jitsi";
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
    snprintf(err, errlen, "MEETING_PROVIDER=%s: unknown provider (known: jitsi, zoom, google-meet)",
             name);
    return NULL;
}
