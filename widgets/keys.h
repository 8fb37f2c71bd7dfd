/* Key tables: one per screen, from which both the function-key bar and the help overlay are
 * generated (calcurse's keydef, tig's requests), so they never disagree. */
#ifndef WIDGETS_KEYS_H
#define WIDGETS_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "widgets/widget.h"

#define KEYDEF_MAX_KEYS 4

struct keydef {
    int action;                 /* the screen's own action number */
    int keys[KEYDEF_MAX_KEYS];  /* key_id values; 0 ends the list */
    const char *name;           /* how the key is written: "Enter", "Space", "^S", "F10" */
    const char *label;          /* a word or two for the bar: "Join" */
    const char *help;           /* a sentence for the help overlay */
    bool in_bar;                /* shown in the function-key bar */
};

/* The action of the first entry whose keys hold key_id(k), or -1. */
int keys_match(const struct keydef *defs, size_t n, struct key k);

#endif
