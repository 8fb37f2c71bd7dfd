/* The help overlay: a bordered box, centred in its rectangle, listing every key of a screen's
 * table with its sentence, plus the keys that work everywhere. Any key closes it
 * (WIDGET_CANCEL), except Up/Down/PageUp/PageDown which scroll it when it does not fit. */
#ifndef WIDGETS_HELP_H
#define WIDGETS_HELP_H

#include <stddef.h>

#include "widgets/keys.h"
#include "widgets/widget.h"

struct help;

struct help *help_new(const char *title, const struct keydef *defs, size_t n);
struct widget *help_widget(struct help *h);

#endif
