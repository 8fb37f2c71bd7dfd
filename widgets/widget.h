/* The widget class model shared by every piece of the interface (after htop's Object and
 * Panel): a widget is a struct whose first member is `struct widget`, with a pointer to a
 * constant class holding its draw, on_key, cursor and destroy functions. Widgets know nothing
 * of the platform: they are given already-sanitized text and report what happened through
 * the bit flags below; the screen that owns them decides what it means. */
#ifndef WIDGETS_WIDGET_H
#define WIDGETS_WIDGET_H

#include <stdbool.h>
#include <wchar.h>

#include <curses.h>

/* A key as ncurses' wget_wch reports it: a character (is_code false, value a code point) or
 * a function-key code (is_code true, value a KEY_* constant). */
struct key {
    bool is_code;
    wint_t value;
};

/* One int per key, for key tables: a character is its code point, a function key is
 * KEYCODE(KEY_*), and a control character is CTRL('s'). */
#define KEYCODE(k) (-(int)(k))
#define CTRL(c) ((c) & 0x1f)

static inline int key_id(struct key k)
{
    return k.is_code ? -(int)k.value : (int)k.value;
}

static inline struct key key_char(wint_t c)
{
    return (struct key){false, c};
}

static inline struct key key_code(int code)
{
    return (struct key){true, (wint_t)code};
}

/* What on_key reports: */
enum {
    WIDGET_IGNORED = 0,       /* not for this widget: the screen may use the key */
    WIDGET_HANDLED = 1 << 0,  /* used (and the widget marked itself dirty if it changed) */
    WIDGET_CHANGED = 1 << 1,  /* the widget's value changed (e.g. save a draft) */
    WIDGET_ACTIVATE = 1 << 2, /* the widget's action was chosen (Enter on a dialog button) */
    WIDGET_CANCEL = 1 << 3,   /* the widget asks to be closed (Esc on a dialog or help) */
};

struct widget;

struct widget_class {
    const char *name;
    /* Draws into win within the widget's rectangle; focused says whether it has the keys. */
    void (*draw)(struct widget *w, WINDOW *win, bool focused);
    /* Handles a key; returns WIDGET_* flags. May be NULL (the widget takes no keys). */
    int (*on_key)(struct widget *w, struct key k);
    /* Where the terminal cursor belongs (window coordinates) after draw, if the widget shows
     * one (a text field with focus). May be NULL (no cursor). */
    bool (*cursor)(const struct widget *w, int *y, int *x);
    /* Frees the widget and everything it owns. */
    void (*destroy)(struct widget *w);
};

struct widget {
    const struct widget_class *cls;
    int y, x, h, w; /* the rectangle it draws in, in its window's coordinates */
    bool dirty;     /* needs drawing */
};

static inline void widget_init(struct widget *w, const struct widget_class *cls)
{
    w->cls = cls;
    w->y = w->x = w->h = w->w = 0;
    w->dirty = true;
}

static inline void widget_place(struct widget *w, int y, int x, int h, int width)
{
    w->y = y, w->x = x, w->h = h, w->w = width;
    w->dirty = true;
}

static inline void widget_draw(struct widget *w, WINDOW *win, bool focused)
{
    if (w->h > 0 && w->w > 0)
        w->cls->draw(w, win, focused);
    w->dirty = false;
}

static inline int widget_on_key(struct widget *w, struct key k)
{
    return w->cls->on_key ? w->cls->on_key(w, k) : WIDGET_IGNORED;
}

static inline bool widget_cursor(const struct widget *w, int *y, int *x)
{
    return w->cls->cursor ? w->cls->cursor(w, y, x) : false;
}

static inline void widget_mark_dirty(struct widget *w)
{
    w->dirty = true;
}

static inline void widget_destroy(struct widget *w)
{
    if (w)
        w->cls->destroy(w);
}

#endif
