/* `dheya-meet next`: the current or next session as one line for a status bar (plain text,
 * JSON, waybar's JSON or tmux's status format), and `dheya-meet join --next`. */
#ifndef TUI_CMD_NEXT_H
#define TUI_CMD_NEXT_H

#include <stdbool.h>

#include "tui/commands.h"
#include "tui/config.h"

enum next_format { NEXT_PLAIN, NEXT_JSON, NEXT_WAYBAR, NEXT_TMUX };

#define NEXT_MAX_AGE_DEFAULT 30

/* "plain", "json", "waybar" or "tmux". */
bool next_parse_format(const char *s, enum next_format *out);

/* Prints the line (nothing at all when no session is running or starts within 24 hours).
 * Answers are cached in the state directory for max_age seconds, for this platform and
 * token only, so that a status bar calling every few seconds costs the platform one request
 * per max_age; when the platform cannot be reached the cached sessions give the line,
 * marked stale. For NEXT_TMUX the theme must have been selected (theme_select). Sets up
 * its own engine: it does not send the outbox, which would cost requests. */
int cmd_next(const struct config *cfg, enum next_format format, int max_age);

/* Joins the session in progress, or the next one starting within 15 minutes, as `join ID`
 * does; otherwise says when the next one is (exit 1). */
int cmd_join_next(struct cmd_context *ctx);

#endif
