#include "server/fetch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "server/provider.h"

/* At most this long to connect, inside the whole call's deadline. */
#define CONNECT_MS 5000

bool fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

void fetch_global_cleanup(void)
{
    curl_global_cleanup();
}

void fetch_response_free(struct fetch_response *rs)
{
    free(rs->body);
    rs->body = NULL;
    rs->len = 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct fetch_response *rs = ud;
    size_t len = size * n;
    if (rs->len + len > FETCH_MAX_BODY)
        return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
    char *grown = realloc(rs->body, rs->len + len + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + rs->len, data, len);
    rs->body = grown;
    rs->len += len;
    rs->body[rs->len] = '\0';
    return len;
}

/* Retry-After: seconds, or an HTTP date. */
static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct fetch_response *rs = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name - 1 && len < 128 && strncasecmp(data, name, sizeof name - 1) == 0) {
        char value[128];
        memcpy(value, data + sizeof name - 1, len - (sizeof name - 1));
        value[len - (sizeof name - 1)] = '\0';
        char *v = value + strspn(value, " \t");
        v[strcspn(v, "\r\n")] = '\0';
        char *end;
        long secs = strtol(v, &end, 10);
        if (end != v && *end == '\0' && secs >= 0) {
            rs->retry_after = secs;
        } else {
            time_t when = curl_getdate(v, NULL);
            if (when != -1)
                rs->retry_after = when > time(NULL) ? (long)(when - time(NULL)) : 0;
        }
    }
    return len;
}

/* True for a host that is this machine: 127.0.0.0/8, localhost, [::1]. */
static bool loopback_host(const char *host, size_t n)
{
    if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
        return true;
    if (n == 5 && strncmp(host, "[::1]", 5) == 0)
        return true;
    if (n < 7 || n > 15 || strncmp(host, "127.", 4) != 0)
        return false;
    int dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (host[i] == '.')
            dots++;
        else if (!isdigit((unsigned char)host[i]))
            return false;
    }
    return dots == 3;
}

bool fetch_base_url(const char *var, const char *def, char *out, size_t outlen, char *err,
                    size_t errlen)
{
    const char *v = getenv(var);
    if (v == NULL || *v == '\0')
        v = def;
    size_t n = strlen(v);
    bool https = strncmp(v, "https://", 8) == 0, http = strncmp(v, "http://", 7) == 0;
    const char *host = v + (https ? 8 : 7);
    /* An IPv6 literal is bracketed, its colons inside the brackets. */
    size_t hostlen = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/");
    if (host[0] == '[' && host[hostlen - 1] != ']')
        hostlen = 0;
    bool clean = true;
    for (size_t i = 0; i < n; i++)
        clean = clean && v[i] > 0x20 && v[i] < 0x7f && !strchr("?#@\\\"<>", v[i]);
    if ((!https && !http) || !clean || n >= outlen || hostlen == 0) {
        snprintf(err, errlen, "%s=%.80s: expected https://HOST[:PORT][/PATH] with no user, "
                 "query or fragment", var, clean ? v : "(control or special characters)");
        return false;
    }
    if (http && !loopback_host(host, hostlen)) {
        snprintf(err, errlen, "%s=%.80s: plain http is allowed only to this machine "
                 "(127.0.0.1, localhost, [::1]); use https", var, v);
        return false;
    }
    while (n > 0 && v[n - 1] == '/')
        n--;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

void fetch_url_path(const char *url, char *out, size_t outlen)
{
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    if (p == NULL)
        p = "/";
    size_t n = strcspn(p, "?#");
    snprintf(out, outlen, "%.*s", (int)n, p);
}

bool fetch(const struct fetch_request *rq, struct fetch_response *rs, char *err,
           size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    rs->retry_after = -1;
    double left = rq->deadline - provider_now();
    if (left <= 0.001) {
        rs->timed_out = true;
        snprintf(err, errlen, "no time left");
        return false;
    }
    CURL *h = curl_easy_init();
    if (h == NULL) {
        snprintf(err, errlen, "cannot set up libcurl");
        return false;
    }
    /* The scheme the URL has, and only it; the base URLs were checked at start. */
    const char *scheme = strncmp(rq->url, "https://", 8) == 0 ? "https" : "http";
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    char line[8192];
    if (rq->authorization) {
        snprintf(line, sizeof line, "Authorization: %s", rq->authorization);
        headers = curl_slist_append(headers, line);
    }
    if (rq->body && rq->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", rq->content_type);
        headers = curl_slist_append(headers, line);
    }
    long total_ms = (long)(left * 1000) + 1;
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, scheme);
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, scheme);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, total_ms < CONNECT_MS ? total_ms
                                                                         : (long)CONNECT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_MAX_BODY);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "dheya-server/" DHEYA_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, rs);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, rs);
    if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
        if (rq->body || strcmp(rq->method, "POST") == 0)
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
    } else {
        rs->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        snprintf(err, errlen, "%s", rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED
                                        ? "the answer is larger than 1 MiB"
                                        : curl_easy_strerror(rc));
        free(rs->body);
        rs->body = NULL;
        rs->len = 0;
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (rc == CURLE_OK && rs->body == NULL && (rs->body = strdup("")) == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    return rc == CURLE_OK;
}
