/* The database module on a temporary file: idempotency fingerprints, webhook events per
 * signing scheme, the JSON text of meeting objects, a provider that fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "server/db.h"
#include "server/meetings.h"
#include "server/provider.h"

struct fixture {
    char dir[64], path[96];
    struct db *db;
    struct db_user mentor, mentee;
    char package[40];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256], token[65];
    snprintf(f->dir, sizeof f->dir, "/tmp/dheya-unit-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
    f->db = db_open(f->path, err, sizeof err);
    assert_non_null(f->db);
    assert_int_equal(db_user_add(f->db, "Jane Smith", "jane@example.com", "mentor", f->mentor.id,
                                 token, err, sizeof err), DB_OK);
    assert_int_equal(db_user_add(f->db, "John Doe", "john@example.com", "user", f->mentee.id,
                                 token, err, sizeof err), DB_OK);
    strcpy(f->mentor.role, "mentor");
    strcpy(f->mentee.role, "user");
    assert_int_equal(db_package_add(f->db, "Destination Mastery", f->package), DB_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    db_close(f->db);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Books a session for the fixture's pair; returns its id in id (40 bytes). */
static void book(struct fixture *f, const struct provider *prov, const char *notes,
                 char id[40])
{
    struct db_booking_request req = {.mentor_id = f->mentor.id, .package_id = f->package,
                                     .notes = notes, .session_number = 1, .duration = 60,
                                     .scheduled_at = time(NULL) + 3600};
    char err[256], *body = NULL;
    struct meetings *mt = meetings_new(f->db, prov);
    assert_int_equal(meetings_book(mt, &f->mentee, &req, &body, err, sizeof err), DB_OK);
    meetings_free(mt);
    json_t *m = json_loads(body, 0, NULL);
    assert_non_null(m);
    snprintf(id, 40, "%s", json_string_value(json_object_get(json_object_get(m, "booking"),
                                                             "id")));
    json_decref(m);
    free(body);
}

static void complete(struct fixture *f, const char *id)
{
    char err[256];
    json_t *out = NULL;
    assert_int_equal(db_complete(f->db, id, &f->mentor, &out, err, sizeof err), DB_OK);
    json_decref(out);
}

static enum db_result feedback(struct fixture *f, const char *id, int rating,
                               const char *comment, const char *key, char **body)
{
    struct db_feedback fb = {.rating = rating, .comment = comment, .idempotency_key = key};
    char err[256] = "";
    int status = 0;
    enum db_result r = db_feedback(f->db, id, &f->mentee, &fb, &status, body, err, sizeof err);
    if (r == DB_MISMATCH)
        assert_non_null(strstr(err, "different"));
    return r;
}

static void idempotency_key_knows_its_request(void **state)
{
    struct fixture *f = *state;
    char id[40], *first = NULL, *again = NULL;
    book(f, &provider_jitsi, "n", id);
    complete(f, id);
    assert_int_equal(feedback(f, id, 4, "good", "k1", &first), DB_OK);
    assert_int_equal(feedback(f, id, 4, "good", "k1", &again), DB_OK);
    assert_string_equal(first, again);
    free(again);
    assert_int_equal(feedback(f, id, 5, "good", "k1", &again), DB_MISMATCH);
    assert_null(again);
    assert_int_equal(feedback(f, id, 4, "good!", "k1", &again), DB_MISMATCH);
    assert_int_equal(feedback(f, id, 4, "good", "k2", &again), DB_CONFLICT);
    free(first);
}

static void webhook_events_are_once_per_scheme(void **state)
{
    struct fixture *f = *state;
    char id[40];
    book(f, &provider_jitsi, "n", id);
    struct db_event ev = {.scheme = "generic", .id = "evt-1", .event = "participant.joined",
                          .booking_id = id, .participant_name = "Ann",
                          .occurred_at = time(NULL)};
    assert_int_equal(db_webhook_event(f->db, &ev), DB_OK);
    assert_int_equal(db_webhook_event(f->db, &ev), DB_DUPLICATE);
    ev.scheme = "zoom";
    assert_int_equal(db_webhook_event(f->db, &ev), DB_OK);
    assert_int_equal(db_webhook_event(f->db, &ev), DB_DUPLICATE);
    ev.booking_id = "bnosuch";
    ev.id = "evt-2";
    assert_int_equal(db_webhook_event(f->db, &ev), DB_NOT_FOUND);
    char *body = NULL;
    assert_int_equal(db_meeting(f->db, id, &f->mentor, &body, NULL), DB_OK);
    json_t *m = json_loads(body, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(m, "participants")), 2);
    json_decref(m);
    free(body);
}

static void meeting_text_is_valid_json_for_any_stored_text(void **state)
{
    struct fixture *f = *state;
    char token[65], err[256], *body = NULL;
    struct db_user odd = {.role = "user"};
    /* Control characters, quotes, a backslash, and bytes that are not UTF-8: a truncated
     * sequence, a lone continuation byte, an overlong '/', a surrogate, past U+10FFFF. */
    const char *name = "q\" b\\ \x01\x1f\n \xc3 \x80 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 "
                       "é€😀";
    assert_int_equal(db_user_add(f->db, name, "odd@example.com", "user", odd.id, token, err,
                                 sizeof err), DB_OK);
    struct db_booking_request req = {.mentor_id = f->mentor.id, .package_id = f->package,
                                     .notes = NULL, .session_number = 2, .duration = 45,
                                     .scheduled_at = 1705312800};
    struct meetings *jitsi = meetings_new(f->db, &provider_jitsi);
    assert_int_equal(meetings_book(jitsi, &odd, &req, &body, err, sizeof err), DB_OK);
    meetings_free(jitsi);
    json_error_t jerr;
    json_t *m = json_loads(body, 0, &jerr);
    assert_non_null(m);
    free(body);
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "user"), "name")),
                        "q\" b\\ \x01\x1f\n \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                        "\xef\xbf\xbd é€😀");
    json_t *b = json_object_get(m, "booking");
    assert_true(json_is_null(json_object_get(b, "notes")));
    assert_string_equal(json_string_value(json_object_get(b, "scheduledAt")),
                        "2024-01-15T10:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(b, "duration")), 45);
    assert_true(json_is_null(json_object_get(json_object_get(m, "mentor"), "rating")));
    json_decref(m);
}

static void the_list_holds_the_meeting_objects(void **state)
{
    struct fixture *f = *state;
    char ids[3][40];
    for (int i = 0; i < 3; i++)
        book(f, &provider_jitsi, i == 1 ? "middle" : "other", ids[i]);
    complete(f, ids[2]);
    char *body = NULL;
    assert_int_equal(feedback(f, ids[2], 3, "fine", NULL, &body), DB_OK);
    free(body);
    assert_int_equal(db_sessions(f->db, &f->mentor, 0, time(NULL) + 7200, &body), DB_OK);
    json_t *root = json_loads(body, 0, NULL);
    free(body);
    json_t *list = json_object_get(root, "sessions");
    assert_int_equal(json_array_size(list), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *item = json_array_get(list, i);
        const char *id = json_string_value(json_object_get(json_object_get(item, "booking"),
                                                           "id"));
        assert_int_equal(db_meeting(f->db, id, &f->mentor, &body, NULL), DB_OK);
        json_t *one = json_loads(body, 0, NULL);
        free(body);
        assert_true(json_equal(one, item));
        json_decref(one);
    }
    json_t *rating = json_object_get(json_object_get(json_array_get(list, 0), "mentor"),
                                     "rating");
    assert_true(json_is_real(rating) && json_real_value(rating) == 3.0);
    json_decref(root);
}

static bool failing_meeting(const struct provider_booking *b, double deadline,
                            struct provider_meeting *out, char *err, size_t errlen)
{
    snprintf(err, errlen, "down: 503 from POST /meetings");
    return false;
}

/* The booking's object from the meeting route, through meetings with prov. */
static json_t *get_meeting(struct fixture *f, const struct provider *prov, const char *id)
{
    struct meetings *m = meetings_new(f->db, prov);
    char *body = NULL;
    assert_int_equal(meetings_get(m, id, &f->mentee, &body), DB_OK);
    meetings_free(m);
    json_t *obj = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(obj);
    return obj;
}

static void a_booking_outlives_a_failing_provider(void **state)
{
    struct fixture *f = *state;
    const struct provider down = {.name = "down", .create = failing_meeting};
    char id[40];
    book(f, &down, "n", id);
    json_t *m = get_meeting(f, &down, id);
    json_t *b = json_object_get(m, "booking");
    assert_true(json_is_null(json_object_get(b, "meetingUrl")));
    assert_string_equal(json_string_value(json_object_get(b, "meetingError")),
                        "down: 503 from POST /meetings");
    json_decref(m);
    m = get_meeting(f, &provider_jitsi, id);
    b = json_object_get(m, "booking");
    const char *url = json_string_value(json_object_get(b, "meetingUrl"));
    assert_non_null(url);
    assert_int_equal(strncmp(url, "https://meet.jit.si/", 20), 0);
    assert_null(json_object_get(b, "meetingError"));
    assert_string_equal(json_string_value(json_object_get(b, "provider")), "jitsi");
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(idempotency_key_knows_its_request, setup, teardown),
        cmocka_unit_test_setup_teardown(webhook_events_are_once_per_scheme, setup, teardown),
        cmocka_unit_test_setup_teardown(meeting_text_is_valid_json_for_any_stored_text, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_list_holds_the_meeting_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(a_booking_outlives_a_failing_provider, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
