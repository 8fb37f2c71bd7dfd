/* --demo: a mentor, mentees, packages and bookings around the current time. */
#ifndef SERVER_DEMO_H
#define SERVER_DEMO_H

#include <stdbool.h>
#include <stdio.h>

#include "server/db.h"
#include "server/meetings.h"

/* Fills an empty database, the bookings' meetings made through meetings at provider, and
 * prints one "demo: ROLE NAME <EMAIL> token TOKEN" line per user to out. Returns false
 * (with a message on stderr) on failure. */
bool demo_fill(struct db *db, struct meetings *meetings, const char *provider, FILE *out);

#endif
