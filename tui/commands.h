/* The non-interactive commands: list, show, join, complete, feedback, sync. Each returns
 * the process exit status: 0 success (or queued for later), 1 failure, 2 bad usage, 4 the
 * token is missing or rejected. Messages go to stderr, results to stdout. */
#ifndef TUI_COMMANDS_H
#define TUI_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

#include "net/api.h"
#include "net/http.h"
#include "tui/config.h"
#include "tui/outbox.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_TOKEN = 4 };

struct cmd_context {
    const struct config *cfg;
    struct http_engine *engine;
    struct api *api;
    bool json;
    struct outbox_report flushed; /* what cmd_open sent from the outbox */
};

/* Checks the address and token, sets up the engine and API, and sends what the outbox
 * holds. Returns EXIT_OK or the status to exit with (the reason already printed). */
int cmd_open(struct cmd_context *ctx, const struct config *cfg);
void cmd_close(struct cmd_context *ctx);

/* Prints "dheya-meet: MESSAGE" (sanitized) for a failed call and returns its exit status. */
int cmd_report(const struct api_result *res, const char *doing);

int cmd_list(struct cmd_context *ctx);
int cmd_show(struct cmd_context *ctx, const char *id);
int cmd_join(struct cmd_context *ctx, const char *id);
int cmd_complete(struct cmd_context *ctx, const char *id);
int cmd_feedback(struct cmd_context *ctx, const char *id, int rating, const char *comment);
int cmd_sync(struct cmd_context *ctx);

/* True when stdout is a terminal and neither NO_COLOR nor CLICOLOR=0 is set. */
bool cmd_use_color(void);

#endif
