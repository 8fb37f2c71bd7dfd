/* Desktop notifications (libnotify), kept off the UI thread: libnotify blocks on D-Bus (a
 * service that hangs holds a call for 25 s), so every libnotify call runs on one thread of
 * this module's own, iterating its own GMainContext. The caller hands it notifications
 * through a queue and hears back (a Join action invoked, the service unavailable) through a
 * pipe that its poll() loop watches (notify_fd), then calls notify_dispatch. Nothing here
 * ever waits on D-Bus. libnotify is not linked: the thread loads it for the first
 * notification, so the client starts without it and runs where it is not installed.
 *
 * There is one notification thread per process (libnotify itself is process-wide), so this
 * module is a singleton: before notify_start, or when notifications are off, notify_send
 * does nothing. */
#ifndef TUI_NOTIFY_H
#define TUI_NOTIFY_H

#include <stdbool.h>

struct notify_hooks {
    /* The mentor invoked the Join action of a reminder for this session. */
    void (*join)(void *ud, const char *session_id);
    /* Notifications cannot be shown (libnotify not installed, no session bus, no service,
     * or one that does not answer): said once, and again only after a notification got
     * through in between. why is plain text for a status line. */
    void (*unavailable)(void *ud, const char *why);
};

/* Starts the notification thread; hooks (copied) run from notify_dispatch with ud. False
 * when the thread or its pipe cannot be made (notifications then stay off). */
bool notify_start(const char *app_name, const struct notify_hooks *hooks, void *ud);

/* Stops the thread. It waits a moment for the thread to end, but never for a D-Bus call: a
 * thread stuck on a hung service is left to end with the process. */
void notify_stop(void);

/* The descriptor to watch for input (-1 before notify_start); when readable, call
 * notify_dispatch. */
int notify_fd(void);
/* Runs the hooks for what the thread reported. Never blocks. */
void notify_dispatch(void);
/* Notices a service that takes too long to answer and reports it through the unavailable
 * hook, since the thread itself hears only after D-Bus times out. Returns the milliseconds
 * after which it is worth calling again (a call to the service is running), or -1. */
int notify_check(void);

/* Shows a notification: summary and body are plain text (sanitized here; the body is
 * markup-escaped on its way to a service that reads bodies as markup, its "body-markup"
 * capability, and goes as it is to one that shows them as plain text). join_id, when not
 * NULL, adds a Join action for that session where the service offers actions. Nothing is
 * kept of the arguments. Never blocks; dropped when the thread already has a backlog (a
 * service that does not answer). */
void notify_send(const char *summary, const char *body, const char *join_id);

#endif
