/* Request bodies: JSON parsed strictly, fields checked one by one, every refusal a message
 * that names the field and the problem. */
#ifndef SERVER_BODY_H
#define SERVER_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "server/http.h"

/* Parses the request body as a JSON object (duplicate keys refused). On failure answers 400
 * and returns NULL. The caller owns the result. */
json_t *body_object(const struct http_request *rq, struct http_response *rs);

/* Answers 400 and returns false if obj has a key not in the NULL-terminated list. */
bool body_known_fields(const json_t *obj, const char *const *known, struct http_response *rs);

/* Reads obj[key] as a string of at most max characters (code points). A missing or null
 * field gives *out = NULL and is an error only if required. Answers 400 on error. */
bool body_string(const json_t *obj, const char *key, bool required, size_t max,
                 const char **out, struct http_response *rs);

/* Reads obj[key] as an integer in [min, max]; a missing field gives def unless required. */
bool body_int(const json_t *obj, const char *key, bool required, int min, int max, int def,
              int *out, struct http_response *rs);

/* Reads obj[key] as an ISO 8601 time with a zone. */
bool body_time(const json_t *obj, const char *key, time_t *out, struct http_response *rs);

/* Number of Unicode code points in a valid UTF-8 string. */
size_t body_utf8_length(const char *s);

#endif
