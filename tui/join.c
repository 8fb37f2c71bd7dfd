#include "tui/join.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "tui/launcher.h"
#include "tui/sanitize.h"

char *join_url(const struct meeting *m, char *msg, size_t msglen)
{
    if (meeting_is_cancelled(m)) {
        snprintf(msg, msglen, "this session was cancelled; there is no meeting to join");
        return NULL;
    }
    if (m->meeting_url == NULL) {
        char *why = m->meeting_error ? sanitize(m->meeting_error, SANITIZE_LINE) : NULL;
        snprintf(msg, msglen, "the meeting link is not ready yet%s%s%s; the platform asks "
                 "the provider again on each refresh", why ? " (" : "", why ? why : "",
                 why ? ")" : "");
        free(why);
        return NULL;
    }
    char err[400];
    char *checked = launcher_check_url(m->meeting_url, err, sizeof err);
    if (checked == NULL) {
        char *shown = sanitize(m->meeting_url, SANITIZE_LINE);
        snprintf(msg, msglen, "not opening %s: %s", shown, err);
        free(shown);
        return NULL;
    }
    bool jitsi = m->provider && strcmp(m->provider, "jitsi") == 0;
    char *url = jitsi && m->mentor.name ? launcher_jitsi_url(checked, m->mentor.name)
                                        : g_strdup(checked);
    g_free(checked);
    return url;
}

enum join_outcome join_launch(const char *url, const char *browser, char *msg, size_t msglen,
                              struct launch **watch)
{
    char what[600];
    switch (launcher_open(url, browser, what, sizeof what, watch)) {
    case LAUNCH_STARTED:
        snprintf(msg, msglen, "opened in the browser (%s)", what);
        return JOIN_OPENED;
    case LAUNCH_NO_DISPLAY:
        snprintf(msg, msglen, "not opening a browser: %s", what);
        return JOIN_SHOW_URL;
    case LAUNCH_FAILED:
    default:
        snprintf(msg, msglen, "%s", what);
        return JOIN_SHOW_URL;
    }
}

enum join_outcome join_open(const struct meeting *m, const char *browser, char **url,
                            char *msg, size_t msglen, struct launch **watch)
{
    if (watch)
        *watch = NULL;
    *url = join_url(m, msg, msglen);
    if (*url == NULL)
        return JOIN_REFUSED;
    return join_launch(*url, browser, msg, msglen, watch);
}
