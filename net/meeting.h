/* The client's own types for what the platform sends, and their JSON decoding. Strings are
 * owned by the struct (freed by meeting_clear / meeting_list_clear) and are as the server
 * sent them: untrusted, to be sanitized at the point of display. */
#ifndef NET_MEETING_H
#define NET_MEETING_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct person {
    char *name, *email;
};

struct participant {
    char *name;
    time_t joined_at, left_at; /* 0 when not known */
};

struct meeting {
    char *id;
    int session_number;
    time_t scheduled_at;
    int duration; /* minutes */
    char *notes;  /* NULL when none */
    char *status; /* SCHEDULED, COMPLETED, CANCELLED, or anything newer */
    char *meeting_url; /* NULL when not generated yet */
    char *provider;    /* NULL when the server does not say */
    char *meeting_passcode; /* Zoom's passcode when meeting_url does not carry it, or NULL */
    char *meeting_error;    /* why the provider has no meeting yet (meeting_url NULL), or NULL */
    bool has_feedback; /* the caller's own feedback */
    int feedback_rating;
    char *feedback_comment;
    struct person user, mentor;
    bool has_mentor_rating;
    double mentor_rating;
    char *package_name;
    struct participant *participants;
    size_t n_participants;
    time_t started_at, ended_at; /* 0 when not known */
};

struct meeting_list {
    struct meeting *items;
    size_t n;
};

/* Decodes the meeting route's object. On failure returns false with err naming the field
 * ("booking.scheduledAt: missing"), and *m is left cleared. */
bool meeting_decode(const char *json, size_t len, struct meeting *m, char *err, size_t errlen);
/* Decodes {"sessions": [...]}. */
bool meeting_list_decode(const char *json, size_t len, struct meeting_list *l, char *err,
                         size_t errlen);
void meeting_clear(struct meeting *m);
void meeting_list_clear(struct meeting_list *l);

/* JSON text for the meeting / the list (caller frees), every non-ASCII character escaped,
 * so that it is safe to print on a terminal. */
char *meeting_to_json(const struct meeting *m);
char *meeting_list_to_json(const struct meeting_list *l);

/* True when status says the session is over (COMPLETED) / called off (CANCELLED). */
bool meeting_is_completed(const struct meeting *m);
bool meeting_is_cancelled(const struct meeting *m);

#endif
