/* `dheya-meet next`: the current or next session as one line for a status bar (plain text,
 * JSON, waybar's JSON or tmux's status format), and `dheya-meet join --next`. */
#ifndef TUI_CMD_NEXT_H
#define TUI_CMD_NEXT_H

#include <stdbool.h>
#include <time.h>

#include "net/meeting.h"
#include "tui/commands.h"
#include "tui/config.h"

enum next_format { NEXT_PLAIN, NEXT_JSON, NEXT_WAYBAR, NEXT_TMUX };

#define NEXT_MAX_AGE_DEFAULT 30

/* "plain", "json", "waybar" or "tmux". */
bool next_parse_format(const char *s, enum next_format *out);

/* The line for the sessions in l at now, without a newline: the session running, else
 * one starting soon, else one just over, else the next within 24 hours; NULL when there is
 * none. fetched_at is when l was fetched and stale says the platform could not be reached
 * (the line says so). Server text in it is sanitized and escaped for the format. For
 * NEXT_TMUX the theme must have been selected (theme_select). Caller frees (g_free). */
char *next_line(enum next_format format, const struct meeting_list *l, time_t now,
                time_t fetched_at, bool stale);

/* Prints the line (nothing at all when no session is running or starts within 24 hours).
 * Answers are cached in the state directory for max_age seconds, for this platform and
 * token only, so that a status bar calling every few seconds costs the platform one request
 * per max_age; a try that failed for a passing reason (no connection, 5xx, 429) is kept as
 * long, so that holds while the platform fails too. When the platform cannot be reached the
 * cached sessions give the line, marked stale. For NEXT_TMUX the theme must have been
 * selected (theme_select). Sets up its own engine: it does not send the outbox, which would
 * cost requests. */
int cmd_next(const struct config *cfg, enum next_format format, int max_age);

/* The session to join now in l: the one in progress within its booked time, else the first
 * starting within 15 minutes, else one past its time by less than 30 minutes and not
 * completed; NULL when there is none, and then *later (when later is not NULL) is the next session
 * booked after now, or NULL. Points into l. `join --next` and J on the sessions screen both
 * choose with it. */
const struct meeting *next_joinable(const struct meeting_list *l, time_t now,
                                    const struct meeting **later);

/* The sentence for "nothing to join", without a full stop: when the next session is (later,
 * may be NULL), its text sanitized; brief (for a status line) gives only how soon. Caller
 * frees (g_free). */
char *next_nothing_to_join(const struct meeting *later, time_t now, bool brief);

/* Joins the session in progress, or the next one starting within 15 minutes, as `join ID`
 * does; otherwise says when the next one is (exit 1). */
int cmd_join_next(struct cmd_context *ctx);

#endif
