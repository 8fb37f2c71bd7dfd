/* tui/reminders: which reminder is due at every boundary (none before the start once joined),
 * the texts, the next wake-up, when the join time matters, keys that hold any session id
 * whole, and the record of what was sent (kept across instances, as across restarts; a held
 * lock means "later", and asking again soon; old entries dropped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "tui/jointime.h"
#include "tui/reminders.h"

#define START ((time_t)1700000000) /* 2023-11-14 22:13:20 UTC */
#define MINUTE 60

static const int marks[] = {10, 1};

static struct meeting session(void)
{
    static char id[] = "b42", status[] = "SCHEDULED", name[] = "Meera <b>Nair</b>",
                pkg[] = "Destination Mastery", mentor[] = "Jane Mentor";
    struct meeting m = {.id = id, .status = status, .scheduled_at = START, .duration = 60,
                        .session_number = 3, .package_name = pkg};
    m.user.name = name;
    m.mentor.name = mentor;
    return m;
}

/* The keys' marks of what is due at now ("" when nothing), e.g. "start:10 start:1". */
static const char *due(const struct meeting *m, time_t now, time_t joined)
{
    static char out[256];
    struct reminder r;
    out[0] = '\0';
    if (!reminders_due(m, now, marks, 2, joined, &r))
        return out;
    for (int i = 0; i < r.n_keys; i++) {
        const char *colon = strchr(r.keys[i], ':');
        assert_non_null(colon);
        assert_true(g_str_has_prefix(r.keys[i], "b42@1700000000:"));
        if (i)
            strcat(out, " ");
        strcat(out, colon + 1);
    }
    return out;
}

struct seen {
    int n;
    char names[4][64];
    char keys[4][REMINDERS_KEY_MAX];
};

static void collect(void *ud, const struct participant *p, const char *key)
{
    struct seen *s = ud;
    assert_true(strstr(key, ":joined:") != NULL);
    g_strlcpy(s->names[s->n++], p->name, sizeof s->names[0]);
}

static void collect_key(void *ud, const struct participant *p, const char *key)
{
    struct seen *s = ud;
    g_strlcpy(s->keys[s->n++], key, sizeof s->keys[0]);
}

static void start_marks(void **state)
{
    struct meeting m = session();
    assert_string_equal(due(&m, START - 10 * MINUTE - 1, 0), "");
    assert_string_equal(due(&m, START - 10 * MINUTE, 0), "start:10");
    assert_string_equal(due(&m, START - MINUTE - 1, 0), "start:10");
    assert_string_equal(due(&m, START - MINUTE, 0), "start:10 start:1");
    assert_string_equal(due(&m, START - 1, 0), "start:10 start:1");
    assert_string_equal(due(&m, START, 0), "");
    int zero[] = {0};
    struct reminder r;
    assert_false(reminders_due(&m, START - 1, zero, 1, 0, &r));
    assert_true(reminders_due(&m, START, zero, 1, 0, &r));
    assert_string_equal(r.keys[0], "b42@1700000000:start:0");
    assert_true(reminders_due(&m, START + 59, zero, 1, 0, &r));
    assert_false(reminders_due(&m, START + 60, zero, 1, 0, &r));
}

static void five_left_and_time_up_once_joined(void **state)
{
    struct meeting m = session();
    time_t end = START + 60 * MINUTE;
    assert_string_equal(due(&m, end - 5 * MINUTE, 0), "");
    assert_string_equal(due(&m, end - 5 * MINUTE - 1, START), "");
    assert_string_equal(due(&m, end - 5 * MINUTE, START), "five-left");
    assert_string_equal(due(&m, end, START), "five-left");
    assert_string_equal(due(&m, end + 1, START), "time-up");
    assert_string_equal(due(&m, end + REMINDERS_LATE_SECONDS, START), "time-up");
    assert_string_equal(due(&m, end + REMINDERS_LATE_SECONDS + 1, START), "");
    /* Joined late: the booked time counts from the join, as the room's timer does. */
    time_t late = START + 7 * MINUTE;
    assert_string_equal(due(&m, end, late), "");
    assert_string_equal(due(&m, end + 7 * MINUTE - 5 * MINUTE, late), "five-left");
    assert_string_equal(due(&m, end + 7 * MINUTE + 1, late), "time-up");
}

static void nothing_for_sessions_that_are_over(void **state)
{
    struct meeting m = session();
    char completed[] = "COMPLETED", cancelled[] = "CANCELLED";
    m.status = completed;
    assert_string_equal(due(&m, START - MINUTE, 0), "");
    assert_string_equal(due(&m, START + 60 * MINUTE + 1, START), "");
    assert_int_equal(reminders_next(&m, START - 20 * MINUTE, marks, 2, 0), 0);
    m.status = cancelled;
    assert_string_equal(due(&m, START - MINUTE, 0), "");
}

static void next_wake_up(void **state)
{
    struct meeting m = session();
    assert_int_equal(reminders_next(&m, START - 20 * MINUTE, marks, 2, 0), START - 10 * MINUTE);
    assert_int_equal(reminders_next(&m, START - 10 * MINUTE, marks, 2, 0), START - MINUTE);
    /* Not joined as far as the caller knows: the earliest "5 minutes left", at which it reads
     * the join time, and nothing after that until it has. */
    assert_int_equal(reminders_next(&m, START - MINUTE, marks, 2, 0), START + 55 * MINUTE);
    assert_int_equal(reminders_next(&m, START + 55 * MINUTE, marks, 2, 0), 0);
    assert_int_equal(reminders_next(&m, START, marks, 2, START), START + 55 * MINUTE);
    assert_int_equal(reminders_next(&m, START + 55 * MINUTE, marks, 2, START),
                     START + 60 * MINUTE + 1);
}

static void start_reminders_stop_once_joined(void **state)
{
    struct meeting m = session();
    /* Joined five minutes early: no "Session in 1 min" with a Join action after that, and no
     * wake-up for it; the end's reminders go on from the start. */
    time_t early = START - 5 * MINUTE;
    assert_string_equal(due(&m, START - 10 * MINUTE, 0), "start:10");
    assert_string_equal(due(&m, START - 2 * MINUTE, early), "");
    assert_string_equal(due(&m, START - MINUTE, early), "");
    assert_int_equal(reminders_next(&m, START - 2 * MINUTE, marks, 2, early),
                     START + 55 * MINUTE);
    assert_string_equal(due(&m, START + 55 * MINUTE, early), "five-left");
    int zero[] = {0};
    struct reminder r;
    assert_false(reminders_due(&m, START, zero, 1, early, &r));
    /* Joined through the Join action of a reminder long before, with a mark that early. */
    int day[] = {180, 1};
    assert_false(reminders_due(&m, START - MINUTE, day, 2, START - 170 * MINUTE, &r));
    /* A join time from before the session was moved here (kept per session id, once) does not
     * silence the reminders of its new time. */
    time_t moved_from = START - 2 * 24 * 3600;
    assert_string_equal(due(&m, START - MINUTE, moved_from), "start:10 start:1");
    assert_int_equal(reminders_next(&m, START - 10 * MINUTE, marks, 2, moved_from),
                     START - MINUTE);
    assert_string_equal(due(&m, START - MINUTE, START - REMINDERS_EARLY_JOIN - 1),
                        "start:10 start:1");
    assert_string_equal(due(&m, START - MINUTE, START - REMINDERS_EARLY_JOIN), "");
}

static void the_join_time_is_read_only_when_it_matters(void **state)
{
    struct meeting m = session();
    assert_false(reminders_need_join(&m, START - 10 * MINUTE - 1, marks, 2));
    assert_true(reminders_need_join(&m, START - 10 * MINUTE, marks, 2));
    assert_true(reminders_need_join(&m, START + 59, marks, 2));
    assert_false(reminders_need_join(&m, START + MINUTE, marks, 2));
    assert_false(reminders_need_join(&m, START + 55 * MINUTE - 1, marks, 2));
    assert_true(reminders_need_join(&m, START + 55 * MINUTE, marks, 2));
    assert_true(reminders_need_join(&m, START + REMINDERS_JOIN_HORIZON, marks, 2));
    assert_false(reminders_need_join(&m, START + REMINDERS_JOIN_HORIZON + 1, marks, 2));
    assert_false(reminders_need_join(&m, START - 10 * MINUTE, marks, 0));
    char completed[] = "COMPLETED";
    m.status = completed;
    assert_false(reminders_need_join(&m, START - MINUTE, marks, 2));
}

/* The keys of every kind for m: the start marks due a minute before, 5 minutes left and time
 * up once joined, and a participant's. */
static void all_keys(const struct meeting *m, char out[4][REMINDERS_KEY_MAX])
{
    struct reminder r;
    assert_true(reminders_due(m, m->scheduled_at - MINUTE, marks, 2, 0, &r));
    assert_int_equal(r.n_keys, 2);
    g_strlcpy(out[0], r.keys[1], REMINDERS_KEY_MAX);
    assert_true(reminders_due(m, m->scheduled_at + 56 * MINUTE, marks, 2, m->scheduled_at,
                              &r));
    g_strlcpy(out[1], r.keys[0], REMINDERS_KEY_MAX);
    assert_true(reminders_due(m, m->scheduled_at + 61 * MINUTE, marks, 2, m->scheduled_at,
                              &r));
    g_strlcpy(out[2], r.keys[0], REMINDERS_KEY_MAX);
    struct seen s = {0};
    reminders_joined(m, m->participants[0].joined_at, collect_key, &s);
    assert_int_equal(s.n, 1);
    g_strlcpy(out[3], s.keys[0], REMINDERS_KEY_MAX);
}

static void keys_hold_any_id_whole(void **state)
{
    char a[300], b[300], hashed_like[65];
    memset(a, 'x', 299);
    a[299] = '\0';
    memcpy(b, a, sizeof a);
    b[298] = 'y'; /* two long ids that share all but their last character */
    char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA256, a, -1);
    g_strlcpy(hashed_like, h, sizeof hashed_like); /* a plain id that is a's hash */
    g_free(h);
    char plain64[65], odd[] = "b 42";
    memset(plain64, 'p', 64);
    plain64[64] = '\0';
    const char *ids[] = {a, b, hashed_like, plain64, odd, "b42"};
    enum { N = sizeof ids / sizeof ids[0] };
    char keys[N][2][4][REMINDERS_KEY_MAX];
    char joiner[] = "Meera";
    for (int i = 0; i < N; i++) {
        for (int moved = 0; moved < 2; moved++) {
            struct meeting m = session();
            m.id = (char *)ids[i];
            m.scheduled_at = START + moved * 24 * 3600;
            struct participant p = {joiner, m.scheduled_at + 2 * MINUTE, 0};
            m.participants = &p;
            m.n_participants = 1;
            all_keys(&m, keys[i][moved]);
            char tail[64];
            snprintf(tail, sizeof tail, "@%lld:", (long long)m.scheduled_at);
            for (int k = 0; k < 4; k++)
                assert_non_null(strstr(keys[i][moved][k], tail)); /* the start is kept */
        }
    }
    /* Every key of every id and time differs from every other. */
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (int i = 0; i < N; i++)
        for (int moved = 0; moved < 2; moved++)
            for (int k = 0; k < 4; k++) {
                assert_false(g_hash_table_contains(seen, keys[i][moved][k]));
                g_hash_table_add(seen, keys[i][moved][k]);
            }
    g_hash_table_destroy(seen);
    /* A plain id up to 64 characters is itself in the key; a longer or unusual one is hashed,
     * marked so that it never meets a plain id. */
    assert_true(g_str_has_prefix(keys[3][0][0], plain64));
    assert_true(g_str_has_prefix(keys[5][0][0], "b42@1700000000:"));
    assert_true(g_str_has_prefix(keys[2][0][0], hashed_like));
    assert_int_equal(keys[0][0][0][0], '=');
    assert_int_equal(keys[4][0][0][0], '=');
    assert_int_equal(strcspn(keys[0][0][0], "@"), 65);
    assert_memory_equal(keys[0][0][0] + 1, hashed_like, 64);
}

static void texts(void **state)
{
    struct meeting m = session();
    struct reminder r;
    char *summary, *body;
    assert_true(reminders_due(&m, START - 9 * MINUTE - 30, marks, 2, 0, &r));
    reminders_text(&r, &m, START - 9 * MINUTE - 30, &summary, &body);
    assert_string_equal(summary, "Session in 10 min");
    assert_string_equal(body, "Meera <b>Nair</b> \u00b7 Destination Mastery, session 3\n"
                              "22:13\u201323:13 UTC");
    g_free(summary);
    g_free(body);
    int zero[] = {0};
    assert_true(reminders_due(&m, START, zero, 1, 0, &r));
    reminders_text(&r, &m, START, &summary, &body);
    assert_string_equal(summary, "Session starting now");
    g_free(summary);
    g_free(body);
    int day[] = {120};
    assert_true(reminders_due(&m, START - 120 * MINUTE, day, 1, 0, &r));
    reminders_text(&r, &m, START - 120 * MINUTE, &summary, &body);
    assert_string_equal(summary, "Session in 2 h");
    g_free(summary);
    g_free(body);
    assert_true(reminders_due(&m, START + 56 * MINUTE, marks, 2, START, &r));
    reminders_text(&r, &m, START + 56 * MINUTE, &summary, &body);
    assert_string_equal(summary, "5 minutes left");
    assert_string_equal(body, "Session 3 with Meera <b>Nair</b> ends at 23:13");
    g_free(summary);
    g_free(body);
    assert_true(reminders_due(&m, START + 61 * MINUTE, marks, 2, START, &r));
    reminders_text(&r, &m, START + 61 * MINUTE, &summary, &body);
    assert_string_equal(summary, "Time is up");
    assert_string_equal(body, "Session 3 with Meera <b>Nair</b>: the booked 60 min are over");
    g_free(summary);
    g_free(body);
}


static void participants_joined_are_news_for_a_while(void **state)
{
    struct meeting m = session();
    char mentee[] = "Meera", mentor[] = "Jane Mentor", old[] = "Old", gone[] = "Gone";
    struct participant people[] = {
        {mentee, START + 2 * MINUTE, 0},
        {mentor, START + 1 * MINUTE, 0},           /* the mentor is no news to the mentor */
        {old, START - 10 * MINUTE, 0},             /* joined long ago */
        {gone, START + 2 * MINUTE, START + 3 * MINUTE}, /* and left */
    };
    m.participants = people;
    m.n_participants = 4;
    struct seen s = {0};
    reminders_joined(&m, START + 4 * MINUTE, collect, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.names[0], "Meera");
}

/* ---- the record ---- */

static char root[256];

static int make_root(void **state)
{
    snprintf(root, sizeof root, "/tmp/dheya-reminders-XXXXXX");
    if (mkdtemp(root) == NULL)
        return -1;
    setenv("XDG_STATE_HOME", root, 1);
    return 0;
}

static int remove_root(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void record_holds_across_instances(void **state)
{
    char keys[2][REMINDERS_KEY_MAX] = {"b42@1700000000:start:10", "b42@1700000000:start:1"};
    struct reminders_store *a = reminders_store_open();
    assert_int_equal(reminders_store_claim(a, keys, 1, START, START), REMINDERS_SEND);
    assert_int_equal(reminders_store_claim(a, keys, 1, START, START), REMINDERS_SKIP);
    /* Another process (or the next run) sees it. */
    struct reminders_store *b = reminders_store_open();
    assert_int_equal(reminders_store_claim(b, keys, 1, START, START), REMINDERS_SKIP);
    /* Two marks at once: sent when one of them is new. */
    assert_int_equal(reminders_store_claim(b, keys, 2, START, START), REMINDERS_SEND);
    assert_int_equal(reminders_store_claim(a, keys + 1, 1, START, START), REMINDERS_SKIP);
    reminders_store_free(a);
    reminders_store_free(b);
    char path[400];
    snprintf(path, sizeof path, "%s/dheya-meet/reminders", root);
    char *text = NULL;
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    assert_non_null(strstr(text, "1700000000 b42@1700000000:start:10\n"));
    g_free(text);
}

static void a_held_lock_means_later(void **state)
{
    char keys[1][REMINDERS_KEY_MAX] = {"b7@1700000000:start:10"};
    char path[400];
    snprintf(path, sizeof path, "%s/dheya-meet/reminders.lock", root);
    struct reminders_store *st = reminders_store_open();
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    /* flock locks belong to the open file description: ours conflicts with the store's. */
    assert_int_equal(reminders_store_retry_at(st), 0);
    assert_int_equal(reminders_store_claim(st, keys, 1, START, START), REMINDERS_LATER);
    /* Worth asking again in a moment, not at the next mark or refresh. */
    assert_int_equal(reminders_store_retry_at(st), START + REMINDERS_RETRY_SECONDS);
    assert_int_equal(reminders_store_claim(st, keys, 1, START, START + 1), REMINDERS_LATER);
    assert_int_equal(reminders_store_retry_at(st), START + 1 + REMINDERS_RETRY_SECONDS);
    close(fd);
    assert_int_equal(reminders_store_claim(st, keys, 1, START, START + 3), REMINDERS_SEND);
    assert_true(reminders_store_retry_at(st) <= START + 3); /* nothing waits any more */
    reminders_store_free(st);
}

static void old_entries_are_dropped(void **state)
{
    char old[1][REMINDERS_KEY_MAX] = {"old@1:start:10"};
    char fresh[1][REMINDERS_KEY_MAX] = {"new@1700000000:start:10"};
    struct reminders_store *st = reminders_store_open();
    assert_int_equal(reminders_store_claim(st, old, 1, START - 3 * 24 * 3600, START),
                     REMINDERS_SEND);
    assert_int_equal(reminders_store_claim(st, fresh, 1, START, START), REMINDERS_SEND);
    reminders_store_free(st);
    char path[400], *text = NULL;
    snprintf(path, sizeof path, "%s/dheya-meet/reminders", root);
    assert_true(g_file_get_contents(path, &text, NULL, NULL));
    assert_null(strstr(text, "old@1"));
    assert_non_null(strstr(text, "new@1700000000"));
    g_free(text);
}

/* A join kept from an earlier time of a session moved since does not count for the new one;
 * one made early for this time does. */
static void join_times_belong_to_their_time_of_the_session(void **state)
{
    time_t start = 1800000000;
    assert_int_equal(jointime_for(0, start), 0);
    assert_int_equal(jointime_for(start - 600, start), start - 600);   /* 10 min early */
    assert_int_equal(jointime_for(start - JOINTIME_AHEAD, start), start - JOINTIME_AHEAD);
    assert_int_equal(jointime_for(start - JOINTIME_AHEAD - 1, start), 0);
    assert_int_equal(jointime_for(start - 86400, start), 0);           /* moved by a day */
    assert_int_equal(jointime_for(start + 300, start), start + 300);   /* joined late */
}

/* A plain id is its own file name; any other becomes "=" and a hash, which no plain id can
 * be, so two ids never share a join time. */
static void join_time_files_never_meet(void **state)
{
    char *plain = jointime_file_name("b-42_x");
    assert_string_equal(plain, "b-42_x");
    g_free(plain);
    char *odd = jointime_file_name("../etc/passwd");
    assert_int_equal(odd[0], '=');
    assert_int_equal(strlen(odd), 65);
    char *hex = g_strdup(odd + 1); /* a plain id that spells the hash */
    char *as_plain = jointime_file_name(hex);
    assert_string_not_equal(as_plain, odd);
    g_free(as_plain);
    g_free(hex);
    g_free(odd);
    char long_id[80];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    char *hashed = jointime_file_name(long_id);
    assert_int_equal(hashed[0], '=');
    g_free(hashed);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_marks),
        cmocka_unit_test(five_left_and_time_up_once_joined),
        cmocka_unit_test(nothing_for_sessions_that_are_over),
        cmocka_unit_test(next_wake_up),
        cmocka_unit_test(start_reminders_stop_once_joined),
        cmocka_unit_test(the_join_time_is_read_only_when_it_matters),
        cmocka_unit_test(keys_hold_any_id_whole),
        cmocka_unit_test(texts),
        cmocka_unit_test(join_times_belong_to_their_time_of_the_session),
        cmocka_unit_test(join_time_files_never_meet),
        cmocka_unit_test(participants_joined_are_news_for_a_while),
        cmocka_unit_test_setup_teardown(record_holds_across_instances, make_root, remove_root),
        cmocka_unit_test_setup_teardown(a_held_lock_means_later, make_root, remove_root),
        cmocka_unit_test_setup_teardown(old_entries_are_dropped, make_root, remove_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
