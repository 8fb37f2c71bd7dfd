/* A screen of the interactive client (sessions, room, feedback): one file each, all behind
 * this small class, after tig's view_ops. The application (tui/app.h) owns the stack of
 * screens, the title line, the status line, the function-key bar and the overlays (dialogs,
 * help); a screen owns its widgets and the rows between the title and the status line. */
#ifndef TUI_SCREEN_H
#define TUI_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "widgets/keys.h"
#include "widgets/widget.h"

struct app;
struct screen;

struct screen_class {
    const char *name;
    /* The screen's keys: its function-key bar and help are generated from this table. */
    const struct keydef *keys;
    size_t n_keys;
    /* Places the widgets in rows top..top+lines-1 of a cols-wide terminal. */
    void (*layout)(struct screen *s, int top, int lines, int cols);
    /* Draws what is dirty (everything when all) into win. */
    void (*draw)(struct screen *s, WINDOW *win, bool all);
    /* Sees every key first (a focused text field takes printable keys); true if used. May be
     * NULL. */
    bool (*on_key)(struct screen *s, struct key k);
    /* An action from the key table. */
    void (*on_action)(struct screen *s, int action);
    /* False when action means nothing in the screen's present state: its key leaves the
     * function-key bar (the help still lists it). May be NULL (every action, always). */
    bool (*offers)(struct screen *s, int action);
    /* Once a second, with the wall-clock time. May be NULL. */
    void (*on_tick)(struct screen *s, time_t now);
    /* The answer to a dialog the screen opened (choice -1: cancelled). May be NULL. */
    void (*on_dialog)(struct screen *s, int tag, int choice);
    /* Where the terminal cursor goes, if anywhere. May be NULL. */
    bool (*cursor)(struct screen *s, int *y, int *x);
    /* Every loop iteration, with the monotonic time in ms (for debounced work; ask for a
     * wake-up with app_wake_at). May be NULL. */
    void (*on_wake)(struct screen *s, long long now_ms);
    /* The screen became the top one again (the one above it was closed). May be NULL. */
    void (*on_resume)(struct screen *s);
    /* True when the screen may be left without asking (no meeting running, no unsent
     * draft). May be NULL (always). */
    bool (*can_leave)(struct screen *s);
    void (*destroy)(struct screen *s);
};

struct screen {
    const struct screen_class *cls;
    struct app *app;
};

#endif
