#include "tui/paths.h"

#include <stdlib.h>

#include <glib.h>

/* The XDG variable's value if it is an absolute path, else HOME/fallback. */
static char *base(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    if (v && v[0] == '/')
        return g_strdup(v);
    const char *home = getenv("HOME");
    if (home == NULL || home[0] != '/')
        return NULL;
    return g_build_filename(home, fallback, NULL);
}

char *paths_config_file(void)
{
    char *b = base("XDG_CONFIG_HOME", ".config");
    char *p = b ? g_build_filename(b, "dheya-meet", "config", NULL) : NULL;
    g_free(b);
    return p;
}

char *paths_themes_dir(void)
{
    char *b = base("XDG_CONFIG_HOME", ".config");
    char *p = b ? g_build_filename(b, "dheya-meet", "themes", NULL) : NULL;
    g_free(b);
    return p;
}

char *paths_state_dir(const char *sub)
{
    char *b = base("XDG_STATE_HOME", ".local/state");
    char *p = b ? g_build_filename(b, "dheya-meet", sub, NULL) : NULL;
    g_free(b);
    return p;
}
