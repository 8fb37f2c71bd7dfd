/* A star rating from 0 (none yet) to max (1..9: one digit key each). Keys: 1..max set it,
 * Left/Right (and h/l) move it by one within 1..max (Right from 0 gives 1; Left never goes
 * back to 0); these keys are HANDLED, plus CHANGED when the value changed; others IGNORED.
 * Draws "[★ ★ ★ ☆ ☆]  3/5 Good" (THEME_STAR_ON / THEME_STAR_OFF), the brackets in
 * THEME_SELECTED while focused (blank otherwise), "not rated yet — press 1-5" at 0. */
#ifndef WIDGETS_STARS_H
#define WIDGETS_STARS_H

#include "widgets/widget.h"

struct stars;

struct stars *stars_new(int max);
struct widget *stars_widget(struct stars *s);
int stars_value(const struct stars *s);
void stars_set(struct stars *s, int value); /* clamped to 0..max */
/* "Poor", "Fair", "Good", "Very good", "Excellent" for 1..5 of 5; "" otherwise. */
const char *stars_label(int value, int max);

#endif
