/* The function-key bar on the bottom line (htop's FunctionBar): "Enter Join  Space Tick
 * s Sidebar …", each key in THEME_KEY and its label in THEME_KEY_LABEL, from a key table;
 * entries that do not fit are left out whole, never cut. */
#ifndef WIDGETS_KEYBAR_H
#define WIDGETS_KEYBAR_H

#include <stddef.h>

#include "widgets/keys.h"
#include "widgets/widget.h"

struct keybar;

/* defs must outlive the bar (screens use static tables). */
struct keybar *keybar_new(const struct keydef *defs, size_t n);
struct widget *keybar_widget(struct keybar *b);

#endif
