/* ISO 8601 timestamps as the API carries them. */
#ifndef SERVER_ISO8601_H
#define SERVER_ISO8601_H

#include <stdbool.h>
#include <time.h>

/* Parses YYYY-MM-DDTHH:MM[:SS[.frac]] followed by Z or ±HH:MM (or ±HHMM); the time zone is
 * required. Fractions of a second are dropped. Returns false on anything else. */
bool iso8601_parse(const char *s, time_t *out);

/* Formats t as YYYY-MM-DDTHH:MM:SSZ (UTC) into out. */
void iso8601_format(time_t t, char out[32]);

#endif
