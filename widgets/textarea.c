#include "widgets/textarea.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"
#include "widgets/cells.h"

struct textarea {
    struct widget base;
    size_t max_chars;
    char *buf; /* UTF-8, NUL-terminated; only characters textarea_accepts */
    size_t len, cap, chars;
    size_t cursor; /* byte offset, always at a code point boundary */
    /* Up/Down aim for the column where a run of vertical moves began. */
    bool has_goal;
    size_t goal;
    /* The wrapped layout, rebuilt lazily after a change or for another width. */
    struct cells_line *lines;
    size_t n_lines, layout_width;
    bool layout_valid;
    size_t top; /* first wrapped line shown */
    wchar_t *wbuf; /* one line's code points for waddnwstr */
    size_t wcap;
    bool show_cursor; /* where draw left the cursor */
    int cursor_y, cursor_x;
};

/* Characters the text may hold: no C0 but newline, no DEL or C1, no surrogates, and none of
 * the bidi controls that would reorder what the terminal shows (Trojan Source). */
static bool textarea_accepts(unsigned cp)
{
    if (cp == '\n')
        return true;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return false;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return false;
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
        cp == 0x200F || cp == 0x061C)
        return false;
    return cp <= 0x10FFFF;
}

static bool reserve(struct textarea *t, size_t more)
{
    if (t->len + more + 1 <= t->cap)
        return true;
    size_t cap = t->cap * 2;
    if (cap < t->len + more + 1)
        cap = t->len + more + 1;
    char *buf = realloc(t->buf, cap);
    if (buf == NULL)
        return false;
    t->buf = buf, t->cap = cap;
    return true;
}

/* The buffer holds valid UTF-8 only, so code point boundaries are the non-continuation
 * bytes. */
static size_t prev_cp(const struct textarea *t, size_t at)
{
    if (at == 0)
        return 0;
    do
        at--;
    while (at > 0 && ((unsigned char)t->buf[at] & 0xC0) == 0x80);
    return at;
}

static unsigned cp_at(const struct textarea *t, size_t at, size_t *n)
{
    unsigned cp;
    size_t k = cells_decode(t->buf + at, t->len - at, &cp);
    if (n)
        *n = k;
    return cp;
}

static bool zero_width(unsigned cp)
{
    return cp != '\n' && cells_of(cp) == 0;
}

/* A character with the combining marks after it is one step for Left and Right. */
static size_t next_cluster(const struct textarea *t, size_t at)
{
    if (at >= t->len)
        return t->len;
    size_t n;
    cp_at(t, at, &n);
    at += n;
    while (at < t->len && zero_width(cp_at(t, at, &n)))
        at += n;
    return at;
}

static size_t prev_cluster(const struct textarea *t, size_t at)
{
    at = prev_cp(t, at);
    while (at > 0 && zero_width(cp_at(t, at, NULL))) {
        size_t before = prev_cp(t, at);
        if (cp_at(t, before, NULL) == '\n')
            break;
        at = before;
    }
    return at;
}

static void changed(struct textarea *t)
{
    t->layout_valid = false;
    t->base.dirty = true;
}

static void move_to(struct textarea *t, size_t at)
{
    if (at != t->cursor)
        t->base.dirty = true;
    t->cursor = at;
}

/* The width the text wraps in: the widget's less one cell, so that the cursor after the
 * last character of a full line still has a cell of its own. */
static size_t wrap_width(const struct textarea *t)
{
    return t->base.w > 1 ? (size_t)t->base.w - 1 : 1;
}

static bool layout(struct textarea *t, size_t width)
{
    if (t->layout_valid && t->layout_width == width)
        return true;
    struct cells_line *lines;
    size_t n = cells_wrap(t->buf, width, &lines);
    if (n == 0)
        return false;
    free(t->lines);
    t->lines = lines, t->n_lines = n;
    t->layout_width = width, t->layout_valid = true;
    return true;
}

/* The wrapped line holding offset at: the last one starting at or before it, so that the
 * offset where a long word was cut belongs to the line below. */
static size_t line_of(const struct cells_line *lines, size_t n, size_t at)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (lines[mid].start <= at)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Where End puts the cursor on line i: after its last character, unless that offset is the
 * start of the next line (a word cut in two), then before the last character. */
static size_t line_end(const struct textarea *t, size_t i)
{
    const struct cells_line *l = &t->lines[i];
    size_t end = l->start + l->len;
    if (i + 1 < t->n_lines && t->lines[i + 1].start == end && l->len > 0) {
        size_t last = prev_cluster(t, end);
        return last < l->start ? l->start : last;
    }
    return end;
}

/* The offset on line i closest to column col without passing it. */
static size_t offset_at_column(const struct textarea *t, size_t i, size_t col)
{
    size_t at = t->lines[i].start, end = line_end(t, i), used = 0;
    while (at < end) {
        size_t next = next_cluster(t, at);
        size_t w = cells_width_n(t->buf + at, next - at);
        if (used + w > col)
            break;
        used += w;
        at = next;
    }
    return at;
}

static void move_vertical(struct textarea *t, long rows)
{
    if (!layout(t, wrap_width(t)))
        return;
    size_t row = line_of(t->lines, t->n_lines, t->cursor);
    if (!t->has_goal) {
        t->goal = cells_width_n(t->buf + t->lines[row].start, t->cursor - t->lines[row].start);
        t->has_goal = true;
    }
    size_t target;
    if (rows < 0)
        target = (size_t)-rows > row ? 0 : row - (size_t)-rows;
    else
        target = (size_t)rows >= t->n_lines - row ? t->n_lines - 1 : row + (size_t)rows;
    /* Past the first or last line: to the start or end of the text. */
    if (target == row)
        move_to(t, rows < 0 ? 0 : t->len);
    else
        move_to(t, offset_at_column(t, target, t->goal));
}

static void move_home_end(struct textarea *t, bool end)
{
    if (!layout(t, wrap_width(t)))
        return;
    size_t row = line_of(t->lines, t->n_lines, t->cursor);
    move_to(t, end ? line_end(t, row) : t->lines[row].start);
}

/* Inserts one code point at the cursor; false when the text is full (or out of memory). */
static bool insert(struct textarea *t, unsigned cp)
{
    if (t->chars >= t->max_chars || !reserve(t, 4))
        return false;
    char enc[4];
    size_t n = cells_encode(cp, enc);
    memmove(t->buf + t->cursor + n, t->buf + t->cursor, t->len - t->cursor + 1);
    memcpy(t->buf + t->cursor, enc, n);
    t->len += n, t->cursor += n, t->chars++;
    changed(t);
    return true;
}

/* Removes the code point starting at offset at. */
static void remove_at(struct textarea *t, size_t at)
{
    size_t n;
    cp_at(t, at, &n);
    memmove(t->buf + at, t->buf + at + n, t->len - at - n + 1);
    t->len -= n, t->chars--;
    if (t->cursor > at)
        t->cursor -= n;
    changed(t);
}

static int on_key(struct widget *w, struct key k)
{
    struct textarea *t = (struct textarea *)w;
    bool vertical = false;
    int result = WIDGET_HANDLED;
    int id = key_id(k);
    if (id == '\n' || id == '\r' || id == KEYCODE(KEY_ENTER)) {
        if (insert(t, '\n'))
            result |= WIDGET_CHANGED;
    } else if (id == 127 || id == 8 || id == KEYCODE(KEY_BACKSPACE)) {
        if (t->cursor > 0) {
            remove_at(t, prev_cp(t, t->cursor));
            result |= WIDGET_CHANGED;
        }
    } else if (id == KEYCODE(KEY_DC)) {
        if (t->cursor < t->len) {
            remove_at(t, t->cursor);
            result |= WIDGET_CHANGED;
        }
    } else if (id == KEYCODE(KEY_LEFT)) {
        move_to(t, prev_cluster(t, t->cursor));
    } else if (id == KEYCODE(KEY_RIGHT)) {
        move_to(t, next_cluster(t, t->cursor));
    } else if (id == KEYCODE(KEY_HOME) || id == CTRL('a')) {
        move_home_end(t, false);
    } else if (id == KEYCODE(KEY_END) || id == CTRL('e')) {
        move_home_end(t, true);
    } else if (id == KEYCODE(KEY_UP) || id == KEYCODE(KEY_DOWN)) {
        move_vertical(t, id == KEYCODE(KEY_UP) ? -1 : 1);
        vertical = true;
    } else if (id == KEYCODE(KEY_PPAGE) || id == KEYCODE(KEY_NPAGE)) {
        long page = w->h > 1 ? w->h : 1;
        move_vertical(t, id == KEYCODE(KEY_PPAGE) ? -page : page);
        vertical = true;
    } else if (!k.is_code && textarea_accepts(k.value)) {
        if (insert(t, k.value))
            result |= WIDGET_CHANGED;
    } else {
        return WIDGET_IGNORED; /* Tab, Esc, Ctrl-S, F-keys…: the screen's */
    }
    if (!vertical)
        t->has_goal = false;
    return result;
}

static void draw_line(struct textarea *t, WINDOW *win, int y, const struct cells_line *l)
{
    size_t width = (size_t)t->base.w, n = 0, drawn = 0;
    for (size_t i = 0; l != NULL && i < l->len;) {
        unsigned cp;
        i += cells_decode(t->buf + l->start + i, l->len - i, &cp);
        size_t cw = (size_t)cells_of(cp);
        /* Clip to the widget: only a character wider than the whole line can pass it. */
        if (drawn + cw > width)
            break;
        t->wbuf[n++] = (wchar_t)cp;
        drawn += cw;
    }
    wmove(win, y, t->base.x);
    if (n > 0)
        waddnwstr(win, t->wbuf, (int)n);
    for (; drawn < width; drawn++)
        waddch(win, ' ');
}

static void draw(struct widget *w, WINDOW *win, bool focused)
{
    struct textarea *t = (struct textarea *)w;
    t->show_cursor = false;
    if (!layout(t, wrap_width(t)))
        return;
    /* A line holds at most one code point per byte. */
    if (t->wcap < t->len + 1) {
        wchar_t *wbuf = realloc(t->wbuf, (t->len + 1) * sizeof *wbuf);
        if (wbuf == NULL)
            return;
        t->wbuf = wbuf, t->wcap = t->len + 1;
    }
    size_t row = line_of(t->lines, t->n_lines, t->cursor), h = (size_t)w->h;
    size_t col = cells_width_n(t->buf + t->lines[row].start, t->cursor - t->lines[row].start);
    if (row < t->top)
        t->top = row;
    else if (row >= t->top + h)
        t->top = row - h + 1;
    /* After text was deleted, show as many lines as fit rather than empty rows below. */
    if (t->top > 0 && t->n_lines - t->top < h)
        t->top = t->n_lines > h ? t->n_lines - h : 0;
    wattrset(win, theme_attr(THEME_INPUT));
    for (size_t r = 0; r < h; r++) {
        size_t i = t->top + r;
        draw_line(t, win, w->y + (int)r, i < t->n_lines ? &t->lines[i] : NULL);
    }
    wattrset(win, A_NORMAL);
    if (focused) {
        t->show_cursor = true;
        t->cursor_y = w->y + (int)(row - t->top);
        t->cursor_x = w->x + (int)(col < (size_t)w->w ? col : (size_t)w->w - 1);
    }
}

static bool cursor(const struct widget *w, int *y, int *x)
{
    const struct textarea *t = (const struct textarea *)w;
    if (!t->show_cursor)
        return false;
    *y = t->cursor_y, *x = t->cursor_x;
    return true;
}

static void destroy(struct widget *w)
{
    struct textarea *t = (struct textarea *)w;
    free(t->buf);
    free(t->lines);
    free(t->wbuf);
    free(t);
}

static const struct widget_class textarea_class = {
    .name = "textarea",
    .draw = draw,
    .on_key = on_key,
    .cursor = cursor,
    .destroy = destroy,
};

struct textarea *textarea_new(size_t max_chars)
{
    struct textarea *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    widget_init(&t->base, &textarea_class);
    t->max_chars = max_chars;
    /* Room for a typical comment up front, so that a paste does not reallocate. */
    t->cap = max_chars < 2048 ? max_chars * 4 + 1 : 8193;
    t->buf = calloc(1, t->cap);
    if (t->buf == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

struct widget *textarea_widget(struct textarea *t)
{
    return &t->base;
}

void textarea_set_text(struct textarea *t, const char *utf8)
{
    if (utf8 == NULL)
        utf8 = "";
    t->len = t->chars = t->cursor = 0;
    t->buf[0] = '\0';
    size_t n = strlen(utf8);
    for (size_t i = 0; i < n;) {
        unsigned cp;
        i += cells_decode(utf8 + i, n - i, &cp);
        if (textarea_accepts(cp) && !insert(t, cp))
            break;
    }
    t->cursor = t->len;
    t->top = 0;
    t->has_goal = false;
    changed(t);
}

const char *textarea_text(const struct textarea *t)
{
    return t->buf;
}

size_t textarea_length(const struct textarea *t)
{
    return t->chars;
}

size_t textarea_remaining(const struct textarea *t)
{
    return t->max_chars - t->chars;
}

size_t textarea_cursor_offset(const struct textarea *t)
{
    return t->cursor;
}

void textarea_cursor_cell(const struct textarea *t, size_t width, size_t *row, size_t *col)
{
    struct cells_line *lines;
    size_t n = cells_wrap(t->buf, width, &lines);
    *row = *col = 0;
    if (n == 0)
        return;
    *row = line_of(lines, n, t->cursor);
    *col = cells_width_n(t->buf + lines[*row].start, t->cursor - lines[*row].start);
    free(lines);
}
