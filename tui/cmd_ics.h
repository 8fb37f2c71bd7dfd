/* `dheya-meet ics`: the sessions as an iCalendar file (RFC 5545) for calcurse, khal or any
 * calendar. */
#ifndef TUI_CMD_ICS_H
#define TUI_CMD_ICS_H

#include <time.h>

#include "net/meeting.h"
#include "tui/commands.h"

#define ICS_DAYS_DEFAULT 30

/* The calendar text of the sessions in l scheduled up to until (now is the DTSTAMP): what
 * cmd_ics prints, with a VALARM per mark (minutes before the start). Caller frees
 * (g_free). */
char *ics_calendar(const struct meeting_list *l, time_t now, time_t until, const int *marks,
                   int n_marks);

/* Prints the calendar of the sessions from 12 hours ago to `days` days ahead: one event per
 * booking (UID from its id, DTSTART in UTC, DURATION, SUMMARY, DESCRIPTION with the notes,
 * URL, STATUS, and a VALARM per remind_minutes mark), text escaped and lines folded at 75
 * octets. */
int cmd_ics(struct cmd_context *ctx, int days);

#endif
