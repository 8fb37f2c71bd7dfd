/* The non-interactive commands: list, show, join, complete, feedback, sync. Each returns
 * the process exit status: 0 success (or queued for later), 1 failure, 2 bad usage, 4 the
 * token is missing or rejected. Messages go to stderr, results to stdout.
 *
 * Each command sends the outbox alongside its own work, on the same engine: the flush and
 * the command's calls run side by side, and once the command's work is done the flush gets
 * what is left of one timeout, so that the queue never makes a command take longer than
 * one timeout. */
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
    struct outbox_flush *flush; /* the outbox flush while it runs */
    enum outbox_start flush_start; /* how cmd_flush_start went */
    bool flush_started;         /* cmd_flush_start was called */
    bool flush_done;            /* the flush ended; its report is in flushed */
    struct outbox_report flushed;
    long long flush_deadline_ms; /* monotonic: when a command stops waiting for the flush */
};

/* Checks the address and token and sets up the engine and API (for the commands and the
 * interactive screens). Returns EXIT_OK or the status to exit with (the reason already
 * printed). */
int cmd_open(struct cmd_context *ctx, const struct config *cfg);
/* Stops a flush still running (what it had not sent stays queued) and frees the rest. */
void cmd_close(struct cmd_context *ctx);

/* Starts sending the outbox for this platform and token, in the background of the
 * command's own calls; its lines go to stderr. Called once by each command. */
void cmd_flush_start(struct cmd_context *ctx);
/* Runs the engine until the flush has ended (no deadline: sync, and a submission that must
 * go after the queued ones of its session). */
void cmd_flush_wait(struct cmd_context *ctx);
/* Ends a command: lets the flush run until one timeout after it started, then stops it,
 * and folds a token the flush saw rejected into the exit status st. Returns the status. */
int cmd_finish(struct cmd_context *ctx, int st);

/* Starts call and runs the engine (the flush alongside) until its result is there. The
 * caller frees the result; NULL when out of memory. */
struct api_result *cmd_call(struct cmd_context *ctx, const struct api_call *call);

/* The sessions (cmd_call of API_SESSIONS); on failure the reason is printed, *st is the
 * exit status and NULL is returned. The caller frees the result. */
struct api_result *cmd_sessions(struct cmd_context *ctx, int *st);

/* The engine's settings from the config: timeouts, retries, CA file, --insecure. */
void cmd_http_config(const struct config *cfg, struct http_config *hc);

/* Prints "dheya-meet: MESSAGE" (sanitized) for a failed call and returns its exit status. */
int cmd_report(const struct api_result *res, const char *doing);

int cmd_list(struct cmd_context *ctx);
int cmd_show(struct cmd_context *ctx, const char *id);
int cmd_join(struct cmd_context *ctx, const char *id);
int cmd_complete(struct cmd_context *ctx, const char *id);
int cmd_feedback(struct cmd_context *ctx, const char *id, int rating, const char *comment);
int cmd_sync(struct cmd_context *ctx);

/* True when NO_COLOR (non-empty) or CLICOLOR=0 asks for no colours. */
bool cmd_colors_off(void);
/* True when stdout is a terminal and colours are not turned off. */
bool cmd_use_color(void);

#endif
