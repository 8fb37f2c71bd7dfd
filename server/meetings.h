/* Bookings and their meetings at the provider together: booking, "get or create",
 * rescheduling and cancelling, each a short database write and, outside any transaction, a
 * provider call bounded by provider_timeout() from when it can start. One request's
 * provider work, its wait for another request included, ends within 13 s, under
 * dheya-meet's total timeout of 15 s.
 *
 * One provider call per booking at a time: a per-booking guard in this process (one server
 * process serves a database). A GET that finds another request already asking the
 * provider for the same booking waits for that answer instead of asking again, so
 * concurrent GETs never make two meetings. Calls for different bookings never wait for
 * each other.
 *
 * When the provider fails:
 * - making the meeting (at booking, or on a GET of a booking without one): the booking is
 *   kept with meetingUrl null and the reason in meetingError; every later GET of the
 *   meeting route tries again (one attempt per GET, never two at once), and the URL
 *   appears once the provider answers. A meeting an earlier attempt made whose answer was
 *   lost is found and used (provider_booking.tried, provider_meeting.found), then given
 *   the booking's time; if that fails, the time is owed to it like a failed reschedule.
 * - rescheduling or cancelling: the booking's change is stored and answered 200 all the
 *   same (the booking is the platform's truth); the failure is logged on stderr and the
 *   change is sent again on the next PATCH or cancel of the booking, or on a GET of its
 *   meeting route once a minute has passed, until the provider takes it. A cancelled
 *   booking keeps its meeting URL for the record; the meeting behind it is deleted. A
 *   COMPLETED booking's meeting is sent nothing more.
 * - a meeting gone at the provider (deleted there by hand), found when reading it or moving
 *   it: it is forgotten and a new one made for the SCHEDULED booking, with a new URL.
 * - a meeting made at another provider than the one this server now runs with
 *   (MEETING_PROVIDER changed at a restart): changes cannot reach it; the log says so and
 *   names the meeting to move or delete by hand. */
#ifndef SERVER_MEETINGS_H
#define SERVER_MEETINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "server/db.h"
#include "server/provider.h"

struct meetings;

/* NULL when out of memory. The caller keeps db and prov alive longer. */
struct meetings *meetings_new(struct db *db, const struct provider *prov);
void meetings_free(struct meetings *m);

/* GET /api/sessions/{id}/meeting: the meeting object (db_meeting) in *body (caller frees),
 * after asking the provider for what the booking lacks. */
enum db_result meetings_get(struct meetings *m, const char *booking_id,
                            const struct db_user *viewer, char **body);

/* POST /api/bookings: stores the booking, asks the provider for its meeting, and gives the
 * meeting object in *body (caller frees); err as db_booking_create says. */
enum db_result meetings_book(struct meetings *m, const struct db_user *viewer,
                             const struct db_booking_request *req, char **body,
                             char *err, size_t errlen);

/* PATCH /api/bookings/{id} (start and/or duration; NULL for unchanged) and POST
 * /api/bookings/{id}/cancel: stores the change, sends it to the provider, and gives the
 * meeting object in *body (caller frees); err as db_booking_change says. */
enum db_result meetings_change(struct meetings *m, const char *booking_id,
                               const struct db_user *viewer, const time_t *start,
                               const int *duration, bool cancel, char **body,
                               char *err, size_t errlen);

/* Makes the meeting of a booking inserted by hand (demo data); a provider's failure is
 * stored as meetings_book stores it. */
void meetings_prepare(struct meetings *m, const char *booking_id);

#endif
