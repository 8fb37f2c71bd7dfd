/* libFuzzer target: the server's own parsers of untrusted input (times, webhook headers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/body.h"
#include "server/iso8601.h"
#include "server/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    time_t t;
    if (iso8601_parse(text, &t)) {
        char buf[32];
        iso8601_format(t, buf);
    }
    body_utf8_length(text);
    char err[200];
    size_t half = strlen(text) / 2;
    char *sig = strdup(text + half);
    text[half] = '\0';
    webhook_verify_generic("secret", text, sig, (const char *)data, size, 1700000000, err,
                           sizeof err);
    webhook_verify_zoom("secret", text, sig, (const char *)data, size, 1700000000, err,
                        sizeof err);
    free(sig);
    free(text);
    return 0;
}
