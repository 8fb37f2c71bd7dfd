/* The function-key bar on the bottom line (htop's FunctionBar): "Enter Join  Space Tick
 * s Sidebar …", the in_bar entries of a key table in order, each key in THEME_KEY and its
 * label in THEME_KEY_LABEL (the rest of the line too); an entry that does not fit is left
 * out whole, never cut, and a later shorter one may take its place. */
#ifndef WIDGETS_KEYBAR_H
#define WIDGETS_KEYBAR_H

#include <stdbool.h>
#include <stddef.h>

#include "widgets/keys.h"
#include "widgets/widget.h"

struct keybar;

/* defs must outlive the bar (screens use static tables). */
struct keybar *keybar_new(const struct keydef *defs, size_t n);
struct widget *keybar_widget(struct keybar *b);

/* Leaves the entries of action out of the bar (hidden) or puts them back: for what means
 * nothing in the screen's present state ("Join" for a completed session). Marks the bar
 * dirty only when that changes what it shows. */
void keybar_hide(struct keybar *b, int action, bool hidden);

#endif
