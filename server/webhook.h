/* POST /api/webhooks/meeting: provider events, signed, deduplicated by event id. */
#ifndef SERVER_WEBHOOK_H
#define SERVER_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "server/app.h"
#include "server/http.h"

#define WEBHOOK_TOLERANCE 300 /* seconds a signed timestamp may be from now */

/* jitsi and google-meet: sig_header is "sha256=HEX", the HMAC-SHA256 under secret of
 * TIMESTAMP "." BODY. On failure err says why. */
bool webhook_verify_generic(const char *secret, const char *timestamp, const char *sig_header,
                            const char *body, size_t len, time_t now, char *err, size_t errlen);

/* zoom: sig_header is "v0=HEX", the HMAC-SHA256 of "v0:" TIMESTAMP ":" BODY. */
bool webhook_verify_zoom(const char *secret, const char *timestamp, const char *sig_header,
                         const char *body, size_t len, time_t now, char *err, size_t errlen);

void webhook_handle(struct app *app, const struct http_request *rq, struct http_response *rs);

#endif
