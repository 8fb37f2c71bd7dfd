/* Opening a meeting URL in the system browser, safely: only https (never plain http, not
 * even to loopback), no characters a shell or a browser's option parser would act on,
 * passed as one argv element to a detached process, never through a shell. */
#ifndef TUI_LAUNCHER_H
#define TUI_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>

#define LAUNCHER_MAX_URL 2048

/* Checks url and returns its re-serialized form (caller frees), or NULL with err saying
 * why it is refused. */
char *launcher_check_url(const char *url, char *err, size_t errlen);

/* For Jitsi: url with "#userInfo.displayName=%22NAME%22" (NAME JSON-quoted and
 * percent-encoded) so that the meeting greets the mentor by name. Caller frees. */
char *launcher_jitsi_url(const char *url, const char *display_name);

/* True when this is an SSH login (SSH_CONNECTION, SSH_CLIENT or SSH_TTY set): a browser
 * started here would open on the remote machine, and its devices are not the mentor's. */
bool launcher_over_ssh(void);

enum launch_outcome {
    LAUNCH_STARTED,    /* a browser process was started */
    LAUNCH_NO_DISPLAY, /* over SSH or without a display, and no browser configured */
    LAUNCH_FAILED,     /* no browser could be started */
};

/* A browser started by launcher_open, watched until it ends. */
struct launch;

/* Opens url (already checked) with the configured browser command (may be NULL), else
 * $BROWSER (a colon-separated list), else the first system opener found. `what` receives
 * the command used or the reason nothing was started. The browser runs detached, in its
 * own session with none of our descriptors, and leaves no zombie. With watch non-NULL and
 * LAUNCH_STARTED, *watch receives a handle to learn how it ends (caller frees it with
 * launcher_forget), else NULL. */
enum launch_outcome launcher_open(const char *url, const char *browser, char *what,
                                  size_t whatlen, struct launch **watch);

/* Never blocks: false while the browser runs. Once it has ended, true, with *failed set
 * when it ended badly (a non-zero exit, a signal) and how saying so for a person
 * ("fails-now exited with status 1"). */
bool launcher_ended(struct launch *l, bool *failed, char *how, size_t howlen);

/* Stops watching (the browser runs on). NULL is allowed. */
void launcher_forget(struct launch *l);

#endif
