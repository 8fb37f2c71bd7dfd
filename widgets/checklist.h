/* A list of items to tick, each with a one-line hint beside it (the pre-meeting checklist).
 * Keys: Up/Down or k/j move, Space ticks or unticks the item under the cursor. Draws
 * "[x] Audio   2 capture devices found" per row, ticked items in THEME_ITEM_DONE. */
#ifndef WIDGETS_CHECKLIST_H
#define WIDGETS_CHECKLIST_H

#include <stdbool.h>

#include "widgets/widget.h"

struct checklist;

struct checklist *checklist_new(void);
struct widget *checklist_widget(struct checklist *c);

/* Adds an item (label and hint are copied; hint may be NULL); returns its index. */
int checklist_add(struct checklist *c, const char *label, const char *hint);
void checklist_set_hint(struct checklist *c, int i, const char *hint);
bool checklist_checked(const struct checklist *c, int i);
void checklist_set_checked(struct checklist *c, int i, bool on);
int checklist_count(const struct checklist *c);
bool checklist_all_checked(const struct checklist *c);
int checklist_cursor(const struct checklist *c);

#endif
