/* `dheya-meet remind`: no screen; the reminders and the outbox in the foreground, for a
 * systemd user service (dheya-meet-remind.service). */
#ifndef TUI_CMD_REMIND_H
#define TUI_CMD_REMIND_H

#include "tui/commands.h"

/* Runs until SIGTERM, SIGINT or SIGHUP (then exits 0): refreshes the sessions every minute
 * on the engine, sends the reminders as desktop notifications with their Join action, and
 * sends the outbox every minute. The Join action asks the platform for the meeting on the
 * engine, as the room's Enter does, and opens it as `join` does; when nothing can be opened
 * (cancelled, no link yet), a notification says why. Logs one line per event to stderr.
 * Exits 4 when the platform rejects the token. */
int cmd_remind(struct cmd_context *ctx);

#endif
