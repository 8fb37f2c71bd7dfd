/* dheya-meet's settings: command line over environment over the config file
 * ($XDG_CONFIG_HOME/dheya-meet/config, "key = value" lines). */
#ifndef TUI_CONFIG_H
#define TUI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_REMIND 8

struct config {
    char *path;         /* the config file that was read, or NULL */
    char *api_url;      /* --api, else DHEYA_API_URL, else api_url; NULL if none */
    char *token;        /* DHEYA_TOKEN, else token, else the token_file's first line */
    char *theme;        /* --theme, else DHEYA_THEME, else theme, else "default" */
    bool notify;        /* notify = yes/no, and --no-notify */
    int remind[CONFIG_MAX_REMIND]; /* minutes before a session to remind (default 10, 1) */
    int n_remind;
    char *browser;      /* a command line; %s stands for the URL */
    int timeout_seconds;         /* total per request (default 15) */
    int connect_timeout_seconds; /* default 5 */
    int retries;                 /* extra attempts for idempotent calls (default 2) */
    char *ca_file;
    bool insecure;      /* --insecure: certificates not checked */
};

struct config_overrides {
    const char *config_path; /* --config: must exist */
    const char *api_url;     /* --api */
    const char *theme;       /* --theme */
    bool no_notify, insecure;
};

enum config_status {
    CONFIG_OK,
    CONFIG_ERROR,     /* the file cannot be read, has a bad line, or others could have
                         changed it (not a regular file, not ours, writable by others) */
    CONFIG_BAD_TOKEN, /* a token file others could read or change, or that is not a regular
                         file; or the config holding a token is readable by others */
};

/* Loads the settings; on failure err says what, where and how to fix it. */
enum config_status config_load(const struct config_overrides *o, struct config *c, char *err,
                               size_t errlen);
void config_clear(struct config *c);

#endif
