/* net/: the meeting decoders, the time parser, the submission codec, the URL policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "net/api.h"
#include "net/http.h"
#include "net/meeting.h"
#include "net/submission.h"
#include "net/timestamp.h"

static const char seed[] =
    "{\"booking\": {\"id\": \"booking-id\", \"sessionNumber\": 1,"
    " \"scheduledAt\": \"2024-01-15T10:00:00Z\", \"duration\": 60,"
    " \"notes\": \"Career transition discussion\", \"status\": \"SCHEDULED\","
    " \"meetingUrl\": \"https://meet.jit.si/dheya-session-abc123-xyz\"},"
    " \"user\": {\"name\": \"John Doe\", \"email\": \"john@example.com\"},"
    " \"mentor\": {\"name\": \"Jane Smith\", \"email\": \"jane@example.com\"},"
    " \"package\": {\"name\": \"Destination Mastery\"}}";

static void decodes_the_seed_example(void **state)
{
    struct meeting m;
    char err[256];
    assert_true(meeting_decode(seed, strlen(seed), &m, err, sizeof err));
    assert_string_equal(m.id, "booking-id");
    assert_int_equal(m.session_number, 1);
    assert_int_equal(m.scheduled_at, 1705312800);
    assert_int_equal(m.duration, 60);
    assert_string_equal(m.status, "SCHEDULED");
    assert_string_equal(m.user.name, "John Doe");
    assert_string_equal(m.mentor.email, "jane@example.com");
    assert_string_equal(m.package_name, "Destination Mastery");
    assert_null(m.provider);
    assert_false(m.has_feedback);
    assert_int_equal(m.n_participants, 0);
    assert_int_equal(m.started_at, 0);
    meeting_clear(&m);
}

static void decodes_extension_fields_and_ignores_unknown_ones(void **state)
{
    const char *j = "{\"booking\": {\"id\": \"b1\", \"sessionNumber\": 2,"
                    " \"scheduledAt\": \"2024-01-15T15:30:00+05:30\", \"duration\": 45,"
                    " \"status\": \"RESCHEDULED_BY_ROBOT\", \"provider\": \"jitsi\","
                    " \"feedback\": {\"rating\": 4, \"comment\": \"ok\"}, \"future\": [1,2]},"
                    " \"user\": {\"name\": \"U\"}, \"mentor\": {\"name\": \"M\", \"rating\": 4.5},"
                    " \"package\": {\"name\": \"P\"},"
                    " \"participants\": [{\"name\": \"U\", \"joinedAt\": "
                    "\"2024-01-15T10:01:00Z\", \"leftAt\": null}],"
                    " \"meetingStartedAt\": \"2024-01-15T10:00:30.250Z\", \"meetingEndedAt\": null,"
                    " \"somethingNew\": {\"deep\": true}}";
    struct meeting m;
    char err[256];
    assert_true(meeting_decode(j, strlen(j), &m, err, sizeof err));
    assert_int_equal(m.scheduled_at, 1705312800);
    assert_string_equal(m.status, "RESCHEDULED_BY_ROBOT");
    assert_true(m.has_feedback);
    assert_int_equal(m.feedback_rating, 4);
    assert_true(m.has_mentor_rating);
    assert_int_equal(m.n_participants, 1);
    assert_int_equal(m.participants[0].joined_at, 1705312860);
    assert_int_equal(m.participants[0].left_at, 0);
    assert_int_equal(m.started_at, 1705312830);
    meeting_clear(&m);
}

/* A provider that has not produced a meeting yet (Zoom down), and Zoom's passcode. */
static void decodes_the_provider_fields(void **state)
{
    const char *j = "{\"booking\": {\"id\": \"b2\", \"sessionNumber\": 1,"
                    " \"scheduledAt\": \"2024-01-15T10:00:00Z\", \"duration\": 30,"
                    " \"status\": \"SCHEDULED\", \"provider\": \"zoom\", \"meetingUrl\": null,"
                    " \"meetingError\": \"zoom: 503 from POST /v2/users/me/meetings\","
                    " \"meetingPasscode\": \"x7Ab\"},"
                    " \"user\": {\"name\": \"U\"}, \"mentor\": {\"name\": \"M\"},"
                    " \"package\": {\"name\": \"P\"}}";
    struct meeting m;
    char err[256];
    assert_true(meeting_decode(j, strlen(j), &m, err, sizeof err));
    assert_null(m.meeting_url);
    assert_string_equal(m.provider, "zoom");
    assert_string_equal(m.meeting_error, "zoom: 503 from POST /v2/users/me/meetings");
    assert_string_equal(m.meeting_passcode, "x7Ab");
    char *back = meeting_to_json(&m);
    assert_non_null(strstr(back, "\"meetingPasscode\": \"x7Ab\""));
    assert_non_null(strstr(back, "\"meetingError\": \"zoom: 503"));
    free(back);
    meeting_clear(&m);
    /* A passcode of the wrong type is named. */
    const char *bad = "{\"booking\": {\"id\": \"b2\", \"sessionNumber\": 1,"
                      " \"scheduledAt\": \"2024-01-15T10:00:00Z\", \"duration\": 30,"
                      " \"status\": \"SCHEDULED\", \"meetingPasscode\": 1234},"
                      " \"user\": {\"name\": \"U\"}, \"mentor\": {\"name\": \"M\"},"
                      " \"package\": {\"name\": \"P\"}}";
    assert_false(meeting_decode(bad, strlen(bad), &m, err, sizeof err));
    assert_non_null(strstr(err, "meetingPasscode"));
}

/* Replaces the first occurrence of from in seed by to and expects an error mentioning want. */
static void expect_error(const char *from, const char *to, const char *want)
{
    char buf[2048], err[256];
    const char *at = strstr(seed, from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - seed), seed, to, at + strlen(from));
    struct meeting m;
    assert_false(meeting_decode(buf, strlen(buf), &m, err, sizeof err));
    if (strstr(err, want) == NULL)
        fail_msg("error '%s' does not mention '%s'", err, want);
    assert_null(m.id);
}

static void names_the_bad_field(void **state)
{
    expect_error("\"id\": \"booking-id\", ", "", "booking.id: missing");
    expect_error("\"booking-id\"", "7", "booking.id: expected a string");
    expect_error("\"2024-01-15T10:00:00Z\"", "\"2024-01-15 10:00\"", "booking.scheduledAt");
    expect_error("\"2024-01-15T10:00:00Z\"", "\"2024-01-15T10:00:00\"", "booking.scheduledAt");
    expect_error("\"duration\": 60", "\"duration\": \"60\"", "booking.duration");
    expect_error("\"duration\": 60", "\"duration\": 1e999", "JSON");
    expect_error("\"duration\": 60", "\"duration\": 99999999999999999999", "");
    expect_error("\"sessionNumber\": 1", "\"sessionNumber\": null", "booking.sessionNumber");
    expect_error("\"user\": {\"name\": \"John Doe\", \"email\": \"john@example.com\"}",
                 "\"user\": []", "user: expected an object");
    expect_error("\"package\": {\"name\": \"Destination Mastery\"}", "\"package\": {}",
                 "package.name: missing");
    expect_error("\"notes\": \"Career transition discussion\"", "\"notes\": false",
                 "booking.notes");
    expect_error("\"status\": \"SCHEDULED\"", "\"status\": \"SCHEDULED\", \"feedback\": "
                 "{\"rating\": 9}", "booking.feedback.rating");
    expect_error("}}", "}, \"participants\": {}}", "participants");
    expect_error("}}", "}} trailing", "JSON");
}

static void survives_hostile_json(void **state)
{
    char err[256];
    struct meeting m;
    struct meeting_list l;
    size_t n = 100000;
    char *deep = malloc(n + 1);
    memset(deep, '[', n);
    deep[n] = '\0';
    assert_false(meeting_decode(deep, n, &m, err, sizeof err));
    assert_false(meeting_list_decode(deep, n, &l, err, sizeof err));
    free(deep);
    const char *bad[] = {"", "null", "[]", "\"x\"", "{\"sessions\": 5}", "{\"sessions\": [1]}",
                         "{\"a\":\"\\ud800\"}", "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(meeting_decode(bad[i], strlen(bad[i]), &m, err, sizeof err));
        assert_false(meeting_list_decode(bad[i], strlen(bad[i]), &l, err, sizeof err));
        assert_true(strlen(err) > 0);
    }
}

/* Item 9 of HARDENING.md on every decoder of the client. A key given twice is refused: which
 * of the two a reader takes differs between parsers (jansson keeps the last), so an answer
 * that says two things is an error, not a guess. */
static char *with(const char *from, const char *to)
{
    const char *at = strstr(seed, from);
    assert_non_null(at);
    return g_strdup_printf("%.*s%s%s", (int)(at - seed), seed, to, at + strlen(from));
}

static void expect_meeting_refused(const char *json, size_t len, const char *want)
{
    struct meeting m;
    struct meeting_list l;
    char err[256] = "", list_err[256] = "";
    assert_false(meeting_decode(json, len, &m, err, sizeof err));
    if (strstr(err, want) == NULL)
        fail_msg("meeting: error '%s' does not mention '%s' for %.80s", err, want, json);
    assert_null(m.id);
    assert_null(m.status);
    assert_int_equal(m.n_participants, 0);
    /* The same object as an entry of the list. */
    GString *listed = g_string_new("{\"sessions\": [");
    g_string_append(listed, seed);
    g_string_append(listed, ", ");
    g_string_append_len(listed, json, (gssize)len);
    g_string_append(listed, "]}");
    assert_false(meeting_list_decode(listed->str, listed->len, &l, list_err, sizeof list_err));
    assert_true(strlen(list_err) > 0);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    g_string_free(listed, TRUE);
}

static void duplicate_keys_are_refused_in_meetings_and_lists(void **state)
{
    static const struct {
        const char *from, *to;
    } twice[] = {
        {"\"status\": \"SCHEDULED\"", "\"status\": \"SCHEDULED\", \"status\": \"CANCELLED\""},
        {"\"meetingUrl\": ", "\"meetingUrl\": \"https://evil.example/\", \"meetingUrl\": "},
        {"\"user\": {\"name\": \"John Doe\"", "\"user\": {\"name\": \"X\", \"name\": \"John Doe\""},
        {"\"package\": {", "\"booking\": {}, \"package\": {"},
        {"}}", "}, \"participants\": [{\"name\": \"A\", \"name\": \"B\"}]}"},
        {"}}", "}, \"meetingEndedAt\": null, \"meetingEndedAt\": null}"},
    };
    for (size_t i = 0; i < sizeof twice / sizeof *twice; i++) {
        char *j = with(twice[i].from, twice[i].to);
        expect_meeting_refused(j, strlen(j), "duplicate");
        g_free(j);
    }
    /* The same name in two different objects is no duplicate. */
    struct meeting m;
    char err[256];
    assert_true(meeting_decode(seed, strlen(seed), &m, err, sizeof err));
    meeting_clear(&m);
    struct meeting_list l;
    char *two = g_strdup_printf("{\"sessions\": [], \"sessions\": [%s]}", seed);
    assert_false(meeting_list_decode(two, strlen(two), &l, err, sizeof err));
    assert_non_null(strstr(err, "duplicate"));
    g_free(two);
}

static void meetings_refuse_every_hostile_shape(void **state)
{
    static const struct {
        const char *from, *to, *want;
    } cases[] = {
        /* nulls where a value is required */
        {"\"booking-id\"", "null", "booking.id: missing"},
        {"\"SCHEDULED\"", "null", "booking.status: missing"},
        {"\"duration\": 60", "\"duration\": null", "booking.duration: missing"},
        {"\"John Doe\"", "null", "user.name: missing"},
        {"{\"name\": \"Destination Mastery\"}", "null", "package: missing"},
        {"\"booking\": {", "\"booking\": null, \"x\": {", "booking: missing"},
        /* wrong types */
        {"\"booking\": {", "\"booking\": [], \"x\": {", "booking: expected an object"},
        {"\"duration\": 60", "\"duration\": 60.0", "booking.duration"},
        {"\"duration\": 60", "\"duration\": true", "booking.duration"},
        {"\"sessionNumber\": 1", "\"sessionNumber\": [1]", "booking.sessionNumber"},
        {"\"SCHEDULED\"", "{\"s\": 1}", "booking.status: expected a string"},
        {"\"Jane Smith\"", "5", "mentor.name: expected a string"},
        {"\"jane@example.com\"", "false", "mentor.email: expected a string"},
        {"\"meetingUrl\": \"", "\"meetingUrl\": 1, \"x\": \"", "booking.meetingUrl"},
        {"}}", "}, \"participants\": [\"A\"]}", "participants[0]: expected an object"},
        {"}}", "}, \"participants\": [{\"name\": \"A\", \"joinedAt\": 5}]}",
         "participants[0].joinedAt"},
        {"}}", "}, \"meetingStartedAt\": \"yesterday\"}", "meetingStartedAt"},
        /* numbers out of range: huge, negative, beyond an int but inside JSON's integers */
        {"\"duration\": 60", "\"duration\": 1e999", "JSON"},
        {"\"duration\": 60", "\"duration\": -1e999", "JSON"},
        {"\"duration\": 60", "\"duration\": 99999999999999999999", "JSON"},
        {"\"duration\": 60", "\"duration\": 4294967356", "booking.duration"},
        {"\"duration\": 60", "\"duration\": -9223372036854775808", "booking.duration"},
        {"\"sessionNumber\": 1", "\"sessionNumber\": -1", "booking.sessionNumber"},
        {"\"status\": \"SCHEDULED\"", "\"status\": \"SCHEDULED\", \"feedback\": "
         "{\"rating\": 4294967300}", "booking.feedback.rating"},
        {"\"Jane Smith\"", "\"Jane Smith\", \"rating\": 1e999", "JSON"},
        /* trailing garbage, and a NUL inside a string */
        {"}}", "}}}", "JSON"},
        {"}}", "}} {}", "JSON"},
        {"}}", "}},", "JSON"},
        {"\"John Doe\"", "\"John\\u0000Doe\"", "JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *j = with(cases[i].from, cases[i].to);
        expect_meeting_refused(j, strlen(j), cases[i].want);
        g_free(j);
    }
    /* A NUL byte after the object, inside the length given. */
    char *nul = g_strdup_printf("%s%c", seed, '\0');
    expect_meeting_refused(nul, strlen(seed) + 1, "JSON");
    g_free(nul);
    /* 100k-deep arrays inside a field, not only at the top. */
    size_t n = 100000;
    GString *deep = g_string_new(NULL);
    g_string_append_len(deep, seed, strlen(seed) - 2);
    g_string_append(deep, "}, \"x\": ");
    for (size_t i = 0; i < n; i++)
        g_string_append_c(deep, '[');
    for (size_t i = 0; i < n; i++)
        g_string_append_c(deep, ']');
    g_string_append_c(deep, '}');
    expect_meeting_refused(deep->str, deep->len, "JSON");
    g_string_free(deep, TRUE);
}

/* api_decode on n bytes of body for a call of kind; returns whether it was refused, with
 * the message checked to say so. */
static bool ack_refused(enum api_kind kind, const char *body, size_t n)
{
    struct api_result *res = calloc(1, sizeof *res);
    assert_non_null(res);
    res->kind = kind;
    res->status = NET_OK;
    api_decode(res, body, n);
    bool refused = res->status == NET_BAD_RESPONSE;
    if (refused && strstr(res->message, "not usable") == NULL)
        fail_msg("no reason given for %.80s: '%s'", body, res->message);
    if (refused && (res->completed_status || res->feedback_comment))
        fail_msg("a refused answer filled the result: %.80s", body);
    api_result_free(res);
    return refused;
}

static void acknowledgements_refuse_every_hostile_shape(void **state)
{
    const char *complete_ok = "{\"success\": true, \"booking\": {\"id\": \"b\", \"status\": "
                              "\"COMPLETED\"}}";
    const char *feedback_ok = "{\"success\": true, \"booking\": {\"id\": \"b\", \"feedback\": "
                              "{\"rating\": 4, \"comment\": \"ok\"}}}";
    assert_false(ack_refused(API_COMPLETE, complete_ok, strlen(complete_ok)));
    assert_false(ack_refused(API_FEEDBACK, feedback_ok, strlen(feedback_ok)));
    static const char *const complete_bad[] = {
        "", "null", "[]", "\"COMPLETED\"", "{}", "{\"booking\": null}", "{\"booking\": []}",
        "{\"booking\": {\"status\": null}}", "{\"booking\": {\"status\": 5}}",
        "{\"booking\": {\"status\": 1e999}}",
        "{\"booking\": {\"status\": \"SCHEDULED\", \"status\": \"COMPLETED\"}}",
        "{\"booking\": {}, \"booking\": {\"status\": \"COMPLETED\"}}",
        "{\"booking\": {\"status\": \"COMPLETED\"}} x",
        "{\"booking\": {\"status\": \"COMPLETED\"}}{}",
        "{\"booking\": {\"status\": \"COMP\\u0000LETED\"}}",
    };
    static const char *const feedback_bad[] = {
        "", "{}", "{\"booking\": {}}", "{\"booking\": {\"feedback\": null}}",
        "{\"booking\": {\"feedback\": {\"rating\": null}}}",
        "{\"booking\": {\"feedback\": {\"rating\": \"4\"}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 4.0}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 1e999}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 99999999999999999999}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 4294967300}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 0}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 6}}}",
        "{\"booking\": {\"feedback\": {\"rating\": -4}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 1, \"rating\": 5}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 4, \"comment\": \"a\", \"comment\": \"b\"}}}",
        "{\"booking\": {\"feedback\": {\"rating\": 4}}} trailing",
    };
    for (size_t i = 0; i < sizeof complete_bad / sizeof *complete_bad; i++)
        if (!ack_refused(API_COMPLETE, complete_bad[i], strlen(complete_bad[i])))
            fail_msg("complete accepted %s", complete_bad[i]);
    for (size_t i = 0; i < sizeof feedback_bad / sizeof *feedback_bad; i++)
        if (!ack_refused(API_FEEDBACK, feedback_bad[i], strlen(feedback_bad[i])))
            fail_msg("feedback accepted %s", feedback_bad[i]);
    /* 100k-deep, and a NUL byte after a valid answer. */
    size_t n = 100000;
    char *deep = malloc(n);
    assert_non_null(deep);
    memset(deep, '[', n);
    assert_true(ack_refused(API_COMPLETE, deep, n));
    assert_true(ack_refused(API_FEEDBACK, deep, n));
    free(deep);
    assert_true(ack_refused(API_COMPLETE, complete_ok, strlen(complete_ok) + 1));
    /* The meeting and list kinds go through the decoders above. */
    assert_true(ack_refused(API_MEETING, "{\"booking\": {}, \"booking\": {}}", 30));
    assert_true(ack_refused(API_SESSIONS, "{\"sessions\": [], \"sessions\": []}", 32));
}

static void queued_submissions_refuse_every_hostile_shape(void **state)
{
    const char *head = "{\"kind\": \"feedback\", \"session\": \"b1\", \"key\": \"k\", "
                       "\"api\": \"http://127.0.0.1:1\", ";
    static const char *const tails[] = {
        "\"rating\": 4, \"rating\": 5}",
        "\"rating\": 4, \"session\": \"b2\"}",
        "\"rating\": 4, \"kind\": \"complete\"}",
        "\"rating\": 4, \"comment\": \"a\", \"comment\": \"b\"}",
        "\"rating\": 4294967301}",
        "\"rating\": -4294967291}",
        "\"rating\": 99999999999999999999}",
        "\"rating\": 1e999}",
        "\"rating\": \"5\"}",
        "\"rating\": 5.0}",
        "\"rating\": null}",
        "\"rating\": 4} trailing",
        "\"rating\": 4}}",
        "\"rating\": 4, \"comment\": \"a\\u0000b\"}",
    };
    struct submission s;
    char err[200];
    char *ok = g_strdup_printf("%s\"rating\": 4}", head);
    assert_true(submission_decode(ok, strlen(ok), &s, err, sizeof err));
    submission_clear(&s);
    g_free(ok);
    for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
        char *j = g_strdup_printf("%s%s", head, tails[i]);
        err[0] = '\0';
        if (submission_decode(j, strlen(j), &s, err, sizeof err))
            fail_msg("accepted %s", j);
        assert_true(strlen(err) > 0);
        assert_null(s.session_id);
        assert_null(s.key);
        g_free(j);
    }
    static const char *const others[] = {
        "{\"kind\": null, \"session\": \"b\", \"key\": \"k\", \"api\": \"u\"}",
        "{\"kind\": \"complete\", \"session\": 5, \"key\": \"k\", \"api\": \"u\"}",
        "{\"kind\": \"complete\", \"session\": \"b\", \"key\": [], \"api\": \"u\"}",
        "{\"kind\": \"complete\", \"session\": \"b\", \"key\": \"k\", \"api\": null}",
        "[]", "null", "",
    };
    for (size_t i = 0; i < sizeof others / sizeof *others; i++)
        assert_false(submission_decode(others[i], strlen(others[i]), &s, err, sizeof err));
    size_t n = 100000;
    char *deep = malloc(n);
    assert_non_null(deep);
    memset(deep, '[', n);
    assert_false(submission_decode(deep, n, &s, err, sizeof err));
    free(deep);
}

static void list_errors_say_which_entry(void **state)
{
    char buf[4096], err[256];
    snprintf(buf, sizeof buf, "{\"sessions\": [%s, {\"booking\": {}}]}", seed);
    struct meeting_list l;
    assert_false(meeting_list_decode(buf, strlen(buf), &l, err, sizeof err));
    assert_non_null(strstr(err, "sessions[1]: booking.id: missing"));
    snprintf(buf, sizeof buf, "{\"sessions\": [%s, %s]}", seed, seed);
    assert_true(meeting_list_decode(buf, strlen(buf), &l, err, sizeof err));
    assert_int_equal(l.n, 2);
    char *text = meeting_list_to_json(&l);
    assert_non_null(strstr(text, "\"booking-id\""));
    free(text);
    meeting_list_clear(&l);
}

static void json_output_escapes_every_control(void **state)
{
    const char *j = "{\"booking\": {\"id\": \"b\", \"sessionNumber\": 1, \"scheduledAt\": "
                    "\"2024-01-15T10:00:00Z\", \"duration\": 60, \"status\": \"S\","
                    " \"notes\": \"\\u001b[2J \\u009b31m \xc2\x9b \\u202e\"},"
                    " \"user\": {\"name\": \"U\"}, \"mentor\": {\"name\": \"M\"},"
                    " \"package\": {\"name\": \"P\"}}";
    struct meeting m;
    char err[256];
    assert_true(meeting_decode(j, strlen(j), &m, err, sizeof err));
    char *out = meeting_to_json(&m);
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        assert_true(*p < 0x80 && (*p >= 0x20 || *p == '\n'));
    free(out);
    meeting_clear(&m);
}

static void timestamps(void **state)
{
    time_t t;
    assert_true(timestamp_parse("2024-01-15T10:00:00Z", &t));
    assert_int_equal(t, 1705312800);
    assert_true(timestamp_parse("2024-01-15T05:00:00-05:00", &t));
    assert_int_equal(t, 1705312800);
    assert_true(timestamp_parse("2024-01-15T10:00:00.999+00:00", &t));
    assert_int_equal(t, 1705312800);
    const char *bad[] = {"", "2024-01-15", "2024-01-15T10:00:00", "noon", "2024-02-30T00:00:00Z",
                         "2024-01-15T25:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(timestamp_parse(bad[i], &t));
    char buf[32];
    timestamp_format_utc(1705312800, buf);
    assert_string_equal(buf, "2024-01-15T10:00:00Z");
}

static void submissions_round_trip(void **state)
{
    struct submission s = {.kind = API_FEEDBACK, .session_id = "b1", .rating = 4,
                           .comment = "Tr\xc3\xa8s bien\nmerci", .key = "k-1",
                           .api_url = "http://127.0.0.1:1", .account = "0123abcd",
                           .refused = "conflict (409)", .queued_at = 1705312800};
    char *text = submission_encode(&s), err[200];
    struct submission back;
    assert_true(submission_decode(text, strlen(text), &back, err, sizeof err));
    assert_int_equal(back.kind, API_FEEDBACK);
    assert_string_equal(back.account, "0123abcd");
    assert_string_equal(back.refused, "conflict (409)");
    assert_string_equal(back.comment, s.comment);
    assert_string_equal(back.key, "k-1");
    assert_int_equal(back.rating, 4);
    assert_int_equal(back.queued_at, 1705312800);
    submission_clear(&back);
    free(text);
    const char *bad[] = {"{}", "nope", "{\"kind\":\"feedback\",\"session\":\"b\",\"key\":\"k\","
                         "\"api\":\"u\",\"rating\":9}", "{\"kind\":\"delete\",\"session\":\"b\","
                         "\"key\":\"k\",\"api\":\"u\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(submission_decode(bad[i], strlen(bad[i]), &back, err, sizeof err));
}

/* A file written before the account was recorded still reads, with no account. */
static void old_submissions_read_without_an_account(void **state)
{
    const char *old = "{\"kind\":\"complete\",\"session\":\"b1\",\"key\":\"k\","
                      "\"api\":\"http://127.0.0.1:1/\",\"queuedAt\":\"2024-01-15T10:00:00Z\"}";
    struct submission s;
    char err[200];
    assert_true(submission_decode(old, strlen(old), &s, err, sizeof err));
    assert_null(s.account);
    assert_null(s.refused);
    submission_clear(&s);
}

static void accounts_are_fingerprints_not_tokens(void **state)
{
    char *a = submission_account("secret-token-1"), *b = submission_account("secret-token-1");
    char *c = submission_account("secret-token-2");
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 32);
    assert_null(strstr(a, "secret"));
    g_free(a);
    g_free(b);
    g_free(c);
}

static void origins_compare_normalised(void **state)
{
    static const struct {
        const char *a, *b;
        bool same;
    } cases[] = {
        {"http://127.0.0.1:8080/", "http://127.0.0.1:8080", true},
        {"HTTP://LocalHost:80", "http://localhost", true},
        {"https://Dheya.Example/api/", "https://dheya.example:443/api", true},
        {"https://x.org//", "https://x.org:443", true},
        {"https://x.org", "http://x.org", false},
        {"http://127.0.0.1:8080", "http://127.0.0.1:8081", false},
        {"https://x.org/a", "https://x.org/b", false},
        {"http://localhost:1", "http://127.0.0.1:1", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *a = submission_origin(cases[i].a), *b = submission_origin(cases[i].b);
        assert_non_null(a);
        assert_non_null(b);
        if ((strcmp(a, b) == 0) != cases[i].same)
            fail_msg("%s (%s) vs %s (%s)", cases[i].a, a, cases[i].b, b);
        g_free(a);
        g_free(b);
    }
    char *o = submission_origin("http://127.0.0.1:8080/");
    assert_string_equal(o, "http://127.0.0.1:8080");
    g_free(o);
    assert_null(submission_origin("not a url"));
}

static void url_policy(void **state)
{
    char err[300];
    const char *good[] = {"https://dheya.example", "https://x.org:8443/api",
                          "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80",
                          "http://127.9.9.9"};
    const char *bad[] = {"http://dheya.example", "ftp://x.org", "file:///etc/passwd",
                         "https://", "https://user:pw@x.org", "javascript:alert(1)", "x.org",
                         "http://128.0.0.1"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(http_url_allowed(good[i], err, sizeof err));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_false(http_url_allowed(bad[i], err, sizeof err));
        assert_true(strlen(err) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_the_seed_example),
        cmocka_unit_test(decodes_extension_fields_and_ignores_unknown_ones),
        cmocka_unit_test(decodes_the_provider_fields),
        cmocka_unit_test(names_the_bad_field),
        cmocka_unit_test(survives_hostile_json),
        cmocka_unit_test(duplicate_keys_are_refused_in_meetings_and_lists),
        cmocka_unit_test(meetings_refuse_every_hostile_shape),
        cmocka_unit_test(acknowledgements_refuse_every_hostile_shape),
        cmocka_unit_test(queued_submissions_refuse_every_hostile_shape),
        cmocka_unit_test(list_errors_say_which_entry),
        cmocka_unit_test(json_output_escapes_every_control),
        cmocka_unit_test(timestamps),
        cmocka_unit_test(submissions_round_trip),
        cmocka_unit_test(old_submissions_read_without_an_account),
        cmocka_unit_test(accounts_are_fingerprints_not_tokens),
        cmocka_unit_test(origins_compare_normalised),
        cmocka_unit_test(url_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
