#include "tui/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "tui/paths.h"

static const char known_keys[] = "api_url, token, token_file, theme, notify, remind_minutes, "
                                 "browser, timeout_seconds, connect_timeout_seconds, retries, "
                                 "ca_file";

/* Refuses a file that someone else could have written, as ssh does: one that is not a
 * regular file (reading a FIFO would block), owned by another user than us or root,
 * writable by group or others, or in a directory whose other users could replace it
 * (writable by group or others without the sticky bit, or owned by someone else). What
 * such a file says (a browser command, the platform address, a token) is not the user's
 * word. */
static bool trusted_file(int fd, const char *path, const char *what, char *err, size_t errlen)
{
    struct stat st, dst;
    uid_t me = getuid();
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s %s is not a regular file; refused", what, path);
        return false;
    }
    if (st.st_uid != me && st.st_uid != 0) {
        snprintf(err, errlen, "%s %s belongs to another user (uid %u); refused, since they "
                 "could change it", what, path, (unsigned)st.st_uid);
        return false;
    }
    if (st.st_mode & 022) {
        snprintf(err, errlen, "%s %s can be changed by others (mode %04o); fix it with: "
                 "chmod go-w %s", what, path, (unsigned)(st.st_mode & 07777), path);
        return false;
    }
    char *dir = g_path_get_dirname(path);
    bool ok = stat(dir, &dst) == 0;
    if (!ok)
        snprintf(err, errlen, "%s %s: its directory %s: %s", what, path, dir, strerror(errno));
    else if (dst.st_uid != me && dst.st_uid != 0)
        snprintf(err, errlen, "%s %s is in %s, which belongs to another user (uid %u); "
                 "refused", what, path, dir, (unsigned)dst.st_uid);
    else if ((dst.st_mode & 022) && !(dst.st_mode & S_ISVTX))
        snprintf(err, errlen, "%s %s is in %s, where others can replace it (mode %04o); fix "
                 "it with: chmod go-w %s", what, path, dir, (unsigned)(dst.st_mode & 07777),
                 dir);
    ok = ok && (dst.st_uid == me || dst.st_uid == 0) &&
         (!(dst.st_mode & 022) || (dst.st_mode & S_ISVTX));
    g_free(dir);
    return ok;
}

/* Opens path for reading, without blocking on a FIFO, if it can be trusted. Returns the
 * descriptor, or -1: with *refused set when the file was refused (err says why), else
 * with errno from open. */
static int open_trusted(const char *path, const char *what, bool *refused, char *err,
                        size_t errlen)
{
    *refused = false;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0 && !trusted_file(fd, path, what, err, errlen)) {
        close(fd);
        *refused = true;
        return -1;
    }
    return fd;
}

/* Refuses a file holding a token that group or others can read. */
static bool private_file(int fd, const char *path, const char *what, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return false;
    if (st.st_mode & 077) {
        snprintf(err, errlen, "%s %s holds a token but others can read it (mode %04o); fix it "
                 "with: chmod 600 %s", what, path, (unsigned)(st.st_mode & 07777), path);
        return false;
    }
    return true;
}

static bool parse_int(const char *v, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || n < min || n > max)
        return false;
    *out = (int)n;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (g_ascii_strcasecmp(v, yes[i]) == 0)
            return *out = true, true;
        if (g_ascii_strcasecmp(v, no[i]) == 0)
            return *out = false, true;
    }
    return false;
}

static bool parse_remind(const char *v, struct config *c)
{
    char **parts = g_strsplit(v, ",", -1);
    bool ok = true;
    c->n_remind = 0;
    for (int i = 0; parts[i] && ok; i++) {
        char *p = g_strstrip(parts[i]);
        if (*p == '\0')
            continue;
        ok = c->n_remind < CONFIG_MAX_REMIND &&
             parse_int(p, 0, 24 * 60, &c->remind[c->n_remind++]);
    }
    g_strfreev(parts);
    return ok;
}

/* Reads the first line of a token file, checking its mode. */
static char *read_token_file(const char *path, char *err, size_t errlen, bool *bad_mode)
{
    int fd = open_trusted(path, "token_file", bad_mode, err, errlen);
    if (*bad_mode)
        return NULL;
    if (fd < 0) {
        snprintf(err, errlen, "token_file %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!private_file(fd, path, "token_file", err, errlen)) {
        *bad_mode = true;
        close(fd);
        return NULL;
    }
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    char *tok = g_strdup(g_strstrip(buf));
    if (*tok == '\0') {
        snprintf(err, errlen, "token_file %s is empty", path);
        g_free(tok);
        return NULL;
    }
    return tok;
}

/* Applies one "key = value" line. */
static bool apply(struct config *c, const char *key, const char *v, char **token,
                  char **token_file, char *what, size_t whatlen)
{
    char **slot = NULL;
    if (strcmp(key, "api_url") == 0)
        slot = &c->api_url;
    else if (strcmp(key, "token") == 0)
        slot = token;
    else if (strcmp(key, "token_file") == 0)
        slot = token_file;
    else if (strcmp(key, "theme") == 0)
        slot = &c->theme;
    else if (strcmp(key, "browser") == 0)
        slot = &c->browser;
    else if (strcmp(key, "ca_file") == 0)
        slot = &c->ca_file;
    if (slot) {
        g_free(*slot);
        *slot = g_strdup(v);
        return true;
    }
    static const struct {
        const char *key;
        int min, max;
        size_t offset;
    } ints[] = {
        {"timeout_seconds", 1, 600, offsetof(struct config, timeout_seconds)},
        {"connect_timeout_seconds", 1, 120, offsetof(struct config, connect_timeout_seconds)},
        {"retries", 0, 5, offsetof(struct config, retries)},
    };
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        if (strcmp(key, ints[i].key) != 0)
            continue;
        if (parse_int(v, ints[i].min, ints[i].max, (int *)((char *)c + ints[i].offset)))
            return true;
        snprintf(what, whatlen, "%s: %d to %d", key, ints[i].min, ints[i].max);
        return false;
    }
    if (strcmp(key, "notify") == 0) {
        if (parse_bool(v, &c->notify))
            return true;
        snprintf(what, whatlen, "notify: yes or no");
    } else if (strcmp(key, "remind_minutes") == 0) {
        if (parse_remind(v, c))
            return true;
        snprintf(what, whatlen, "remind_minutes: up to 8 numbers of minutes from 0 to 1440, "
                 "separated by commas");
    } else {
        snprintf(what, whatlen, "unknown key '%.40s' (known: %s)", key, known_keys);
    }
    return false;
}

/* Reads the config file; a missing default file is no error. */
static enum config_status read_file(struct config *c, const char *path, bool must_exist,
                                    char **token, char **token_file, char *err,
                                    size_t errlen)
{
    bool refused;
    int fd = open_trusted(path, "the config file", &refused, err, errlen);
    if (refused)
        return CONFIG_ERROR;
    if (fd < 0) {
        if (errno == ENOENT && !must_exist)
            return CONFIG_OK;
        snprintf(err, errlen, "cannot read the config file %s: %s", path, strerror(errno));
        return CONFIG_ERROR;
    }
    FILE *f = fdopen(fd, "r");
    char line[4096];
    int lineno = 0;
    enum config_status st = CONFIG_OK;
    while (st == CONFIG_OK && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = g_strstrip(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        char what[300] = "";
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            st = CONFIG_ERROR;
            break;
        }
        *eq = '\0';
        char *key = g_strstrip(s), *v = g_strstrip(eq + 1);
        size_t vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v[vl - 1] = '\0';
            v++;
        }
        if (!apply(c, key, v, token, token_file, what, sizeof what)) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, what);
            st = CONFIG_ERROR;
        }
    }
    if (st == CONFIG_OK && *token && !private_file(fd, path, "the config file", err, errlen))
        st = CONFIG_BAD_TOKEN;
    c->path = g_strdup(path);
    fclose(f);
    return st;
}

enum config_status config_load(const struct config_overrides *o, struct config *c, char *err,
                               size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->notify = true;
    c->remind[0] = 10;
    c->remind[1] = 1;
    c->n_remind = 2;
    c->timeout_seconds = 15;
    c->connect_timeout_seconds = 5;
    c->retries = 2;

    char *token = NULL, *token_file = NULL;
    char *path = o->config_path ? g_strdup(o->config_path) : paths_config_file();
    enum config_status st = CONFIG_OK;
    if (path)
        st = read_file(c, path, o->config_path != NULL, &token, &token_file, err, errlen);
    g_free(path);

    const char *env_api = getenv("DHEYA_API_URL"), *env_theme = getenv("DHEYA_THEME");
    const char *env_token = getenv("DHEYA_TOKEN");
    if (o->api_url || (env_api && *env_api)) {
        g_free(c->api_url);
        c->api_url = g_strdup(o->api_url ? o->api_url : env_api);
    }
    if (o->theme || (env_theme && *env_theme)) {
        g_free(c->theme);
        c->theme = g_strdup(o->theme ? o->theme : env_theme);
    }
    if (c->theme == NULL)
        c->theme = g_strdup("default");
    if (o->no_notify)
        c->notify = false;
    c->insecure = o->insecure;

    if (st == CONFIG_OK) {
        if (env_token && *env_token) {
            c->token = g_strdup(env_token);
        } else if (token) {
            c->token = g_strdup(token);
        } else if (token_file) {
            bool bad_mode = false;
            char *tf = token_file[0] == '~' && token_file[1] == '/' && getenv("HOME")
                           ? g_build_filename(getenv("HOME"), token_file + 2, NULL)
                           : g_strdup(token_file);
            c->token = read_token_file(tf, err, errlen, &bad_mode);
            g_free(tf);
            if (c->token == NULL)
                st = bad_mode ? CONFIG_BAD_TOKEN : CONFIG_ERROR;
        }
    }
    if (token)
        memset(token, 0, strlen(token));
    g_free(token);
    g_free(token_file);
    return st;
}

void config_clear(struct config *c)
{
    g_free(c->path);
    g_free(c->api_url);
    if (c->token)
        memset(c->token, 0, strlen(c->token));
    g_free(c->token);
    g_free(c->theme);
    g_free(c->browser);
    g_free(c->ca_file);
    memset(c, 0, sizeof *c);
}
