/* libFuzzer target: everything the client reads from the network or from its own files.
 * Any crash, leak or sanitizer report is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/meeting.h"
#include "net/submission.h"
#include "net/timestamp.h"
#include "tui/launcher.h"
#include "tui/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        sanitize_init_locale();
        ready = 1;
    }
    char err[512];
    struct meeting m;
    if (meeting_decode((const char *)data, size, &m, err, sizeof err)) {
        free(meeting_to_json(&m));
        meeting_clear(&m);
    }
    struct meeting_list l;
    if (meeting_list_decode((const char *)data, size, &l, err, sizeof err)) {
        free(meeting_list_to_json(&l));
        meeting_list_clear(&l);
    }
    struct submission s;
    if (submission_decode((const char *)data, size, &s, err, sizeof err))
        submission_clear(&s);

    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    free(sanitize(text, SANITIZE_LINE));
    free(sanitize(text, SANITIZE_MULTILINE));
    free(sanitize_fit(text, size % 40));
    sanitize_width(text);
    time_t t;
    timestamp_parse(text, &t);
    char *url = launcher_check_url(text, err, sizeof err);
    if (url) {
        char *j = launcher_jitsi_url(url, text);
        free(j);
        free(url);
    }
    free(text);
    return 0;
}
