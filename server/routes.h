/* The platform API of DESIGN.md: routing, authentication, and the session routes. */
#ifndef SERVER_ROUTES_H
#define SERVER_ROUTES_H

#include "server/http.h"

/* The http_handler for every request; ctx is a struct app. */
void routes_handle(void *ctx, const struct http_request *rq, struct http_response *rs);

#endif
