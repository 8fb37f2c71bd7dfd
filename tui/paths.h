/* Where dheya-meet keeps its files, following the XDG base directory spec. */
#ifndef TUI_PATHS_H
#define TUI_PATHS_H

/* $XDG_CONFIG_HOME/dheya-meet/config, else ~/.config/dheya-meet/config. A relative
 * XDG_CONFIG_HOME is ignored, as the spec says. Caller frees; NULL without HOME. */
char *paths_config_file(void);

/* The user's theme files: the themes/ directory beside the config file. Caller frees; NULL
 * without HOME. */
char *paths_themes_dir(void);

/* $XDG_STATE_HOME/dheya-meet/SUB (SUB may be NULL), else ~/.local/state/dheya-meet/SUB.
 * Caller frees; NULL without HOME. */
char *paths_state_dir(const char *sub);

#endif
