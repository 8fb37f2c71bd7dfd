/* Reminders and news as desktop notifications while dheya-meet runs, with the screens open
 * or as `dheya-meet remind`: keeps the mentor's sessions fresh on net/'s engine (once a
 * minute), and on each tick sends, once, what tui/reminders says is due: the reminders
 * before a session (with a Join action), 5 minutes left, time is up, a participant joined.
 * The feedback and outbox notices are here too, so that every text is in one place.
 *
 * One per process, as the notification thread it drives (tui/notify.h) is. The caller's
 * poll() loop watches alerts_fd and runs the engine; nothing here blocks. */
#ifndef TUI_ALERTS_H
#define TUI_ALERTS_H

#include <stdbool.h>
#include <time.h>

#include "net/api.h"
#include "tui/config.h"

struct alerts_hooks {
    /* The Join action of a reminder for session id was invoked; m is the session as last
     * loaded (valid during the call), or NULL when it is no longer in the list. */
    void (*join)(void *ud, const char *id, const struct meeting *m);
    /* Notifications cannot be shown (see notify.h); said once per outage. */
    void (*unavailable)(void *ud, const char *why);
    /* A refresh of the sessions ended (res is NULL when out of memory; valid during the
     * call). May be NULL. */
    void (*loaded)(void *ud, const struct api_result *res);
    /* A notification was handed to the notification thread. May be NULL. */
    void (*sent)(void *ud, const char *summary, const char *body);
};

/* Starts the notification thread and the refreshes on api. cfg and api must outlive
 * alerts_stop. False (and nothing started) when notifications are off in cfg or the thread
 * cannot start. */
bool alerts_start(const struct config *cfg, struct api *api, const struct alerts_hooks *hooks,
                  void *ud);
/* Stops everything alerts_start started; a refresh in flight is cancelled. */
void alerts_stop(void);

/* The descriptor the caller's loop watches (-1 when not started); when readable, call
 * alerts_dispatch, which runs the hooks. */
int alerts_fd(void);
void alerts_dispatch(void);

/* Call once a second (or at the time alerts_next gives): refreshes the sessions when a
 * minute has passed, and sends what is due. */
void alerts_tick(time_t now);
/* The next time alerts_tick has something to do: a refresh, a reminder falling due, or one
 * to try again because another dheya-meet held the record of what was sent. */
time_t alerts_next(time_t now);

/* The room has a fresher copy of a session: a participant who joined is told now, and a
 * session completed or cancelled gets no more reminders. */
void alerts_seen(const struct meeting *m);

/* "Feedback sent" / "Feedback queued" for the session with mentee (may be NULL). */
void alerts_feedback(const char *mentee, int rating, bool queued);
/* "Queued submissions delivered": n of them. */
void alerts_delivered(int n);

#endif
