/* Meeting providers: where a booking's meeting lives (seed: "Provider Abstraction").
 * One file per provider (provider_jitsi.c, provider_zoom.c, provider_google_meet.c) exports
 * one constant struct provider; provider.c lists them.
 *
 * The seed's interface: create, get details, update (a rescheduled booking), delete (a
 * cancelled booking). Each call is given a deadline (provider_now() seconds) by which it
 * returns, whatever the provider does, and each failure comes back as a short reason that
 * names the provider and what failed ("zoom: 503 from POST /v2/users/me/meetings", "zoom:
 * timed out after 10 s"): it is shown to the booking's participants, so it never holds a
 * credential or a token. Calls are thread-safe; callers never hold a database transaction
 * across one (meetings.c). */
#ifndef SERVER_PROVIDER_H
#define SERVER_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* What a provider is told of a booking: the meeting's when and what, and who is invited
 * (Google's attendees). No name or note: a provider needs none. */
struct provider_booking {
    const char *id;           /* the booking's id: unique, a key for idempotent creation */
    const char *package;      /* the package's name */
    int session_number;
    time_t start;
    int duration;             /* minutes */
    const char *mentor_email, *mentee_email;
    /* An earlier attempt to make this booking's meeting failed. It may have made the
     * meeting all the same (an answer lost after the provider acted), so a provider that
     * has no idempotency key for creation (Zoom) looks for that meeting before making one. */
    bool tried;
};

/* A meeting at the provider. Every string is malloc'd and owned by the struct. */
struct provider_meeting {
    char *id;       /* the provider's id (Zoom meeting id, Calendar event id); NULL for jitsi */
    char *url;      /* the join URL; NULL while the provider is still preparing it */
    char *passcode; /* Zoom's passcode; NULL for the others */
    /* Set by create when it found the meeting an earlier attempt made (whose answer was
     * lost) instead of making one: that meeting has the booking as it stood then, and the
     * caller brings it up to date with update. */
    bool found;
};

/* Frees the strings and sets them to NULL; found is cleared too. */
void provider_meeting_clear(struct provider_meeting *m);

/* Text from the database made fit for a provider's JSON: valid UTF-8 (a byte that is not
 * becomes U+FFFD), control characters as spaces, cut at max code points. Caller frees;
 * NULL when out of memory. */
char *provider_text(const char *s, size_t max);

/* What details and update found: a meeting deleted at the provider since it was made
 * (someone deleted it in Zoom or in the calendar) is GONE, which a retry never mends. */
enum provider_status { PROVIDER_OK, PROVIDER_FAILED, PROVIDER_GONE };

struct provider {
    const char *name; /* the MEETING_PROVIDER value, e.g. "jitsi" */
    /* Reads and checks the provider's environment; on failure writes why into err, naming
     * the variable. */
    bool (*configure)(char *err, size_t errlen);
    /* Creates the booking's meeting into *out. On failure false with err set; out->id may
     * be set even so (a Calendar event made whose conference is not ready): the meeting
     * exists, and details() is what to ask next time, never create() again. */
    bool (*create)(const struct provider_booking *b, double deadline,
                   struct provider_meeting *out, char *err, size_t errlen);
    /* Reads the meeting's details (its URL once ready) into *out; GONE (err set) when the
     * provider has no such meeting any more. NULL for a provider whose create always gives
     * the URL (jitsi). */
    enum provider_status (*details)(const char *meeting_id, double deadline,
                                    struct provider_meeting *out, char *err, size_t errlen);
    /* Moves the meeting to b's start and duration; GONE (err set) when the provider has no
     * such meeting any more. NULL: nothing to do (a Jitsi room is only a name). */
    enum provider_status (*update)(const char *meeting_id, const struct provider_booking *b,
                                   double deadline, char *err, size_t errlen);
    /* Deletes the meeting; one already gone is not a failure. NULL: nothing to do. */
    bool (*remove)(const char *meeting_id, double deadline, char *err, size_t errlen);
};

/* Finds and configures the provider MEETING_PROVIDER names (default jitsi). Returns NULL with
 * a message in err for an unknown provider or a bad configuration. There is never a fallback
 * to another provider. */
const struct provider *provider_from_env(char *err, size_t errlen);

/* The most MEETING_PROVIDER_TIMEOUT may be. dheya-meet gives up on a request after 15 s,
 * and a request may wait for another one's provider call on the same booking before making
 * its own (meetings.c bounds the two together at 13 s): a longer call would be cut there,
 * or the client would give up first. */
#define PROVIDER_TIMEOUT_MAX 10

/* How long one provider operation may take in all, token and retries included, in seconds:
 * MEETING_PROVIDER_TIMEOUT (1 to PROVIDER_TIMEOUT_MAX), default 10. Read by
 * provider_from_env, which refuses a bad value. */
unsigned provider_timeout(void);

/* Seconds on a monotonic clock: deadlines are provider_now() + provider_timeout(). */
double provider_now(void);

extern const struct provider provider_jitsi, provider_zoom, provider_google_meet;

#endif
