/* Jitsi Meet: no account, no API; a meeting is a room name on a Jitsi domain.
 * URL: https://{JITSI_DOMAIN}/{JITSI_ROOM_PREFIX}-{bookingId}-{128 random bits in hex}. */
#include "server/provider.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/crypto.h"

static char domain[254] = "meet.jit.si";
static char prefix[65] = "dheya-session";

/* A DNS host name: dot-separated labels of letters, digits and inner hyphens. */
static bool valid_host(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

/* A room-name prefix: letters, digits, '-' and '_', starting with a letter or digit. */
static bool valid_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof prefix || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

static bool jitsi_configure(char *err, size_t errlen)
{
    const char *d = getenv("JITSI_DOMAIN"), *p = getenv("JITSI_ROOM_PREFIX");
    if (d != NULL) {
        if (!valid_host(d)) {
            snprintf(err, errlen, "JITSI_DOMAIN=%.80s is not a plain host name "
                     "(letters, digits, '-' and '.', no scheme, port or path)", d);
            return false;
        }
        snprintf(domain, sizeof domain, "%s", d);
    }
    if (p != NULL) {
        if (!valid_prefix(p)) {
            snprintf(err, errlen, "JITSI_ROOM_PREFIX=%.80s is not a room-name prefix "
                     "(1-64 letters, digits, '-' or '_', starting with a letter or digit)", p);
            return false;
        }
        snprintf(prefix, sizeof prefix, "%s", p);
    }
    return true;
}

static bool jitsi_create(const struct provider_booking *b, double deadline,
                         struct provider_meeting *out, char *err, size_t errlen)
{
    char rnd[33];
    if (!crypto_random_hex(rnd, 16)) {
        snprintf(err, errlen, "jitsi: the system random generator failed");
        return false;
    }
    if (asprintf(&out->url, "https://%s/%s-%s-%s", domain, prefix, b->id, rnd) < 0) {
        out->url = NULL;
        snprintf(err, errlen, "jitsi: out of memory");
        return false;
    }
    return true;
}

/* No details, update or delete: the room exists while anyone is in it, and a moved or
 * cancelled booking keeps its name harmlessly. */
const struct provider provider_jitsi = {
    .name = "jitsi",
    .configure = jitsi_configure,
    .create = jitsi_create,
};
