/* A list of items to tick, each with a one-line hint beside it (the pre-meeting checklist).
 * Keys: Up/Down or k/j move, Home/End go to the first/last item (HANDLED even at either
 * end), Space ticks or unticks the item under the cursor (HANDLED | CHANGED); other keys
 * are IGNORED. Draws "[x] Audio   2 capture devices found" per row, labels in one column,
 * ticked items in THEME_ITEM_DONE, others in THEME_ITEM_TODO, hints in THEME_HINT cut with
 * "…"; the cursor row in THEME_SELECTED while focused; scrolls to keep the cursor shown. */
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
/* True when every item is ticked (also when there are none). */
bool checklist_all_checked(const struct checklist *c);
int checklist_cursor(const struct checklist *c);

#endif
