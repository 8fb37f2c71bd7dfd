/* Meeting providers: how a booking gets its meeting URL (seed: "Provider Abstraction").
 * One file per provider (provider_jitsi.c, ...) exports one constant struct provider;
 * provider.c lists them. */
#ifndef SERVER_PROVIDER_H
#define SERVER_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

struct provider {
    const char *name; /* the MEETING_PROVIDER value, e.g. "jitsi" */
    /* Reads and checks the provider's environment; on failure writes why into err. */
    bool (*configure)(char *err, size_t errlen);
    /* Returns a new meeting URL for the booking (caller frees), or NULL with err set. */
    char *(*create_meeting)(const char *booking_id, char *err, size_t errlen);
};

/* Finds and configures the provider MEETING_PROVIDER names (default jitsi). Returns NULL with
 * a message in err for an unknown provider, one not implemented yet, or a bad configuration.
 * There is never a fallback to another provider. */
const struct provider *provider_from_env(char *err, size_t errlen);

extern const struct provider provider_jitsi;

#endif
