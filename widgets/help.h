/* The help overlay: a bordered box, centred in its rectangle, listing every key of a screen's
 * table ("name  help", in table order; the label when help is NULL), so the table should
 * hold the keys that work everywhere too (?, q). Any key closes it (HANDLED |
 * WIDGET_CANCEL), except Up/Down (k/j) and PageUp/PageDown, which scroll it when it does
 * not fit, and KEY_RESIZE, which is IGNORED. It draws only its box. */
#ifndef WIDGETS_HELP_H
#define WIDGETS_HELP_H

#include <stddef.h>

#include "widgets/keys.h"
#include "widgets/widget.h"

struct help;

struct help *help_new(const char *title, const struct keydef *defs, size_t n);
struct widget *help_widget(struct help *h);

#endif
