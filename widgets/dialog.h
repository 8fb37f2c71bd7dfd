/* A modal box centred in its rectangle: a title, a wrapped message, and buttons. Keys:
 * Left/Right and Tab/Shift-Tab move between buttons (round), Enter chooses the focused one
 * (WIDGET_ACTIVATE), a button's first letter (case-insensitive, e.g. y / n) chooses it
 * directly, Esc cancels (WIDGET_CANCEL). Every other key is HANDLED and ignored, so a
 * dialog is modal, except KEY_RESIZE (IGNORED: the screen's to handle). It draws only its
 * box (THEME_DIALOG inside, THEME_BORDER around, the focused button in
 * THEME_BUTTON_FOCUS), so the screen behind stays visible around it; in a rectangle too
 * small for the box it draws the buttons alone. */
#ifndef WIDGETS_DIALOG_H
#define WIDGETS_DIALOG_H

#include "widgets/widget.h"

struct dialog;

/* buttons is NULL-terminated ({"Yes", "No", NULL}); NULL means a single "OK". The strings
 * are copied. focus is the button focused at first. tag is the caller's, to tell dialogs
 * apart. */
struct dialog *dialog_new(int tag, const char *title, const char *message,
                          const char *const *buttons, int focus);
struct widget *dialog_widget(struct dialog *d);
int dialog_tag(const struct dialog *d);
/* The chosen button's index after WIDGET_ACTIVATE; -1 after WIDGET_CANCEL or before. */
int dialog_choice(const struct dialog *d);

#endif
