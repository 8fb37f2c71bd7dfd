/* A side panel of labelled facts ("Mentee  Meera Nair"), with long values and paragraphs
 * (notes) word-wrapped in cells, a title and a left border. Up/Down (k/j) and
 * PageUp/PageDown scroll it when it has focus and does not fit (HANDLED); when it all fits
 * they are IGNORED. Layout at width w: the border and a blank take two cells; labels share
 * a column (at most half the rest) with values beside them, or under them (indented two
 * cells) when that leaves a value less than 10 cells; a paragraph has a blank line before
 * it (unless first), its heading, then its text. Arrows in the border show more above or
 * below. */
#ifndef WIDGETS_SIDEBAR_H
#define WIDGETS_SIDEBAR_H

#include "widgets/widget.h"

struct sidebar;

struct sidebar *sidebar_new(const char *title);
struct widget *sidebar_widget(struct sidebar *s);
void sidebar_clear(struct sidebar *s);
/* A "label  value" row; value is wrapped under itself when long (both copied). */
void sidebar_add(struct sidebar *s, const char *label, const char *value);
/* A heading and then a paragraph (may contain newlines), wrapped to the panel's width. */
void sidebar_add_text(struct sidebar *s, const char *heading, const char *text);
/* Lines the sidebar needs at a given width, its title line included: with at least this
 * height it shows everything without scrolling (for layout and tests). */
int sidebar_content_height(const struct sidebar *s, int width);

#endif
