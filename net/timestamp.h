/* ISO 8601 times from the platform, with any offset, as time_t (GLib's parser). */
#ifndef NET_TIMESTAMP_H
#define NET_TIMESTAMP_H

#include <stdbool.h>
#include <time.h>

/* Parses an ISO 8601 date-time that carries a zone (Z or ±HH:MM). False otherwise. */
bool timestamp_parse(const char *s, time_t *out);

/* Formats t as YYYY-MM-DDTHH:MM:SSZ. */
void timestamp_format_utc(time_t t, char out[32]);

#endif
