#include "server/demo.h"

#include <stdio.h>
#include <time.h>

struct person {
    const char *role, *name, *email;
    char id[40], token[65];
};

bool demo_fill(struct db *db, struct meetings *meetings, const char *provider, FILE *out)
{
    struct person people[] = {
        {"mentor", "Asha Rao", "asha.rao@example.com", "", ""},
        {"user", "Ravi Kumar", "ravi.kumar@example.com", "", ""},
        {"user", "Meera Iyer", "meera.iyer@example.com", "", ""},
        {"user", "Kabir Singh", "kabir.singh@example.com", "", ""},
    };
    char err[256];
    for (size_t i = 0; i < sizeof people / sizeof *people; i++) {
        if (db_user_add(db, people[i].name, people[i].email, people[i].role, people[i].id,
                        people[i].token, err, sizeof err) != DB_OK) {
            fprintf(stderr, "dheya-server: demo: %s\n", err);
            return false;
        }
    }
    char mastery[40], discovery[40];
    if (db_package_add(db, "Destination Mastery", mastery) != DB_OK ||
        db_package_add(db, "Career Discovery", discovery) != DB_OK)
        return false;

    time_t now = time(NULL) / 60 * 60;
    struct db_user mentor = {.role = "mentor"};
    snprintf(mentor.id, sizeof mentor.id, "%s", people[0].id);
    struct {
        int who, number;
        const char *package;
        long offset;
        int duration;
        const char *notes;
        bool completed;
    } bookings[] = {
        {1, 3, mastery, -20 * 60, 60, "Review the CV rewrite; mock interview for the product "
         "manager role.", false},
        {2, 1, discovery, 12 * 60, 45, "First session: strengths inventory and what a good "
         "week at work looks like.", false},
        {3, 2, mastery, 3 * 3600, 60, "Career transition discussion: from teaching to "
         "instructional design.", false},
        {1, 4, mastery, 26 * 3600, 60, "Salary negotiation practice.", false},
        {2, 2, discovery, 50 * 3600, 45, NULL, false},
        {3, 1, mastery, -22 * 3600, 60, "Kick-off and goals.", true},
    };
    for (size_t i = 0; i < sizeof bookings / sizeof *bookings; i++) {
        struct db_booking_request req = {.mentor_id = mentor.id,
                                         .package_id = bookings[i].package,
                                         .notes = bookings[i].notes,
                                         .session_number = bookings[i].number,
                                         .duration = bookings[i].duration,
                                         .scheduled_at = now + bookings[i].offset};
        char id[40], cerr[256];
        json_t *done = NULL;
        if (db_booking_insert(db, provider, people[bookings[i].who].id, &req, id) != DB_OK)
            return false;
        meetings_prepare(meetings, id);
        if (bookings[i].completed &&
            db_complete(db, id, &mentor, &done, cerr, sizeof cerr) != DB_OK)
            return false;
        json_decref(done);
    }
    for (size_t i = 0; i < sizeof people / sizeof *people; i++)
        fprintf(out, "demo: %s %s <%s> token %s\n", people[i].role, people[i].name,
                people[i].email, people[i].token);
    fflush(out);
    return true;
}
