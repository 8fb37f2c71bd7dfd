#include "tui/join.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "tui/launcher.h"
#include "tui/sanitize.h"

enum join_outcome join_open(const struct meeting *m, const char *browser, char **url,
                            char *msg, size_t msglen)
{
    *url = NULL;
    if (meeting_is_cancelled(m)) {
        snprintf(msg, msglen, "this session was cancelled; there is no meeting to join");
        return JOIN_REFUSED;
    }
    if (m->meeting_url == NULL) {
        snprintf(msg, msglen, "the meeting link is not ready yet; refresh in a moment");
        return JOIN_REFUSED;
    }
    char err[400], what[600];
    char *checked = launcher_check_url(m->meeting_url, err, sizeof err);
    if (checked == NULL) {
        char *shown = sanitize(m->meeting_url, SANITIZE_LINE);
        snprintf(msg, msglen, "not opening %s: %s", shown, err);
        free(shown);
        return JOIN_REFUSED;
    }
    bool jitsi = m->provider && strcmp(m->provider, "jitsi") == 0;
    *url = jitsi && m->mentor.name ? launcher_jitsi_url(checked, m->mentor.name)
                                   : g_strdup(checked);
    g_free(checked);
    switch (launcher_open(*url, browser, what, sizeof what)) {
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
