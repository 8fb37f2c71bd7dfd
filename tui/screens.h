/* The three screens, and the actions every screen's key table shares. */
#ifndef TUI_SCREENS_H
#define TUI_SCREENS_H

#include <stdbool.h>

#include "tui/screen.h"

/* Actions the application handles itself for every screen. */
enum { SCREEN_ACT_HELP = 1000, SCREEN_ACT_BACK = 1001 };

/* The mentor's sessions from 12 hours ago on. */
struct screen *screen_sessions_new(void);
/* One session's meeting room. id is copied. join: launch the meeting as soon as it is
 * loaded (J on the sessions screen). */
struct screen *screen_room_new(const char *session_id, bool join);
/* True when s is the room of session id. */
bool screen_room_is(const struct screen *s, const char *session_id);
/* Launches the meeting of the room s, as Enter does but without the checklist question (a
 * reminder's Join action); once loaded, if it is still loading. */
void screen_room_join(struct screen *s);
/* The feedback form for a session. id is copied; mentee may be NULL. */
struct screen *screen_feedback_new(const char *session_id, const char *mentee_name);

#endif
