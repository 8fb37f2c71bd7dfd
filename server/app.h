/* What every route needs: the database, the meeting provider, limits and secrets. */
#ifndef SERVER_APP_H
#define SERVER_APP_H

#include "server/db.h"
#include "server/meetings.h"
#include "server/provider.h"
#include "server/ratelimit.h"

struct app {
    struct db *db;
    const struct provider *provider;
    struct meetings *meetings; /* the bookings' meetings at the provider */
    struct ratelimit *limit;
    const char *webhook_secret;      /* WEBHOOK_SECRET: jitsi and google-meet; NULL if unset */
    const char *zoom_webhook_secret; /* ZOOM_WEBHOOK_SECRET; NULL if unset */
};

#endif
