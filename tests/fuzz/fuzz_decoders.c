/* libFuzzer target: what the client decodes from the platform's answers and its own outbox
 * files: the meeting, the sessions list, the complete and feedback acknowledgements
 * (api_decode), a queued submission, timestamps and meeting URLs. Decoded values must
 * survive the client's own round trips. */
#include <time.h>

#include <glib.h>

#include "net/api.h"
#include "net/meeting.h"
#include "net/submission.h"
#include "net/timestamp.h"
#include "tests/fuzz/fuzz.h"
#include "tui/launcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* meeting_to_json promises text safe for a terminal: printable ASCII and newlines only. */
static void fuzz_decoders_check_printable(const char *s)
{
    FUZZ_CHECK(s != NULL);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        FUZZ_CHECK(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
}

static void fuzz_decoders_meeting(const char *json, size_t len)
{
    char err[512];
    struct meeting m;
    if (!meeting_decode(json, len, &m, err, sizeof err)) {
        FUZZ_CHECK(err[0] != '\0');
        return;
    }
    char *text = meeting_to_json(&m);
    fuzz_decoders_check_printable(text);
    free(text);
    meeting_clear(&m);
}

static void fuzz_decoders_list(const char *json, size_t len)
{
    char err[512];
    struct meeting_list l;
    if (!meeting_list_decode(json, len, &l, err, sizeof err)) {
        FUZZ_CHECK(err[0] != '\0');
        return;
    }
    char *text = meeting_list_to_json(&l);
    fuzz_decoders_check_printable(text);
    /* What the client prints as JSON it can read back, the same sessions. */
    struct meeting_list again;
    FUZZ_CHECK(meeting_list_decode(text, strlen(text), &again, err, sizeof err));
    FUZZ_CHECK(again.n == l.n);
    meeting_list_clear(&again);
    free(text);
    meeting_list_clear(&l);
}

static void fuzz_decoders_submission(const char *text, size_t len)
{
    char err[512];
    struct submission s;
    if (!submission_decode(text, len, &s, err, sizeof err))
        return;
    /* The outbox writes back what it read: it must read the same again. */
    char *again_text = submission_encode(&s);
    FUZZ_CHECK(again_text != NULL);
    struct submission again;
    FUZZ_CHECK(submission_decode(again_text, strlen(again_text), &again, err, sizeof err));
    FUZZ_CHECK(again.kind == s.kind);
    FUZZ_CHECK(s.kind != API_FEEDBACK || again.rating == s.rating); /* a complete has none */
    FUZZ_CHECK(strcmp(again.session_id, s.session_id) == 0);
    FUZZ_CHECK(strcmp(again.key, s.key) == 0);
    submission_clear(&again);
    free(again_text);
    submission_clear(&s);
}

static void fuzz_decoders_answers(const char *body, size_t len)
{
    static const enum api_kind kinds[] = {API_SESSIONS, API_MEETING, API_COMPLETE,
                                          API_FEEDBACK};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        struct api_result *res = calloc(1, sizeof *res);
        FUZZ_CHECK(res != NULL);
        res->kind = kinds[i];
        res->status = NET_OK;
        api_decode(res, body, len);
        FUZZ_CHECK(res->status == NET_OK || res->message[0] != '\0');
        api_result_free(res);
    }
}

/* A URL from the platform (meetingUrl) and the address a config names. */
static void fuzz_decoders_text(const char *text)
{
    time_t t;
    timestamp_parse(text, &t);
    char err[512];
    char *url = launcher_check_url(text, err, sizeof err);
    if (url) {
        for (const unsigned char *p = (const unsigned char *)url; *p; p++)
            FUZZ_CHECK(*p > 0x20 && *p < 0x7f);
        FUZZ_CHECK(url[0] != '-');
        free(launcher_jitsi_url(url, text));
        free(url);
    }
    g_free(submission_origin(text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    fuzz_decoders_meeting(json, size);
    fuzz_decoders_list(json, size);
    fuzz_decoders_submission(json, size);
    fuzz_decoders_answers(json, size);
    char *text = fuzz_string(data, size);
    fuzz_decoders_text(text);
    free(text);
    return 0;
}
