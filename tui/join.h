/* Joining a session's meeting: the URL checked (https only), the mentor's name added for
 * Jitsi, and the browser started. Shared by the room and `dheya-meet join`. */
#ifndef TUI_JOIN_H
#define TUI_JOIN_H

#include <stddef.h>

#include "net/meeting.h"
#include "tui/launcher.h"

enum join_outcome {
    JOIN_OPENED,   /* a browser was started with *url */
    JOIN_SHOW_URL, /* no browser here (SSH, no display) or none could start: show *url */
    JOIN_REFUSED,  /* no meeting to join (cancelled, no URL yet, a URL we will not open) */
};

/* The URL to open for m (https only, with the mentor's name for Jitsi; caller frees with
 * g_free), or NULL with msg saying why there is none. */
char *join_url(const struct meeting *m, char *msg, size_t msglen);

/* Starts the browser on url, a URL join_url gave (never JOIN_REFUSED); msg says what
 * happened, for a person. watch is launcher_open's: NULL, or where a handle on the started
 * browser goes (NULL when none was started). */
enum join_outcome join_launch(const char *url, const char *browser, char *msg, size_t msglen,
                              struct launch **watch);

/* join_url, then join_launch. *url receives the URL to open or show (caller frees with
 * g_free; NULL when refused); msg says what happened, for a person; watch as for
 * join_launch. */
enum join_outcome join_open(const struct meeting *m, const char *browser, char **url,
                            char *msg, size_t msglen, struct launch **watch);

#endif
