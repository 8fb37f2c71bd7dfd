/* Drawing helpers shared by the widgets. */
#include "widgets/draw.h"

#include <stdlib.h>
#include <string.h>

#include "widgets/cells.h"

void draw_textn(WINDOW *win, int y, int x, int cells, const char *text, size_t len,
                attr_t attr)
{
    if (cells <= 0)
        return;
    /* cells_fit takes a C string; a wrapped line is a byte range of a longer one. */
    char *part = strndup(text ? text : "", text ? len : 0);
    char *fitted = part ? cells_fit(part, (size_t)cells) : NULL;
    free(part);
    if (fitted == NULL) {
        draw_blank(win, y, x, cells, attr);
        return;
    }
    wattrset(win, (int)attr);
    mvwaddstr(win, y, x, fitted);
    free(fitted);
}

void draw_text(WINDOW *win, int y, int x, int cells, const char *text, attr_t attr)
{
    draw_textn(win, y, x, cells, text, text ? strlen(text) : 0, attr);
}

int draw_put(WINDOW *win, int y, int x, int avail, const char *text, attr_t attr)
{
    if (avail <= 0)
        return 0;
    size_t width = cells_width(text);
    int n = width < (size_t)avail ? (int)width : avail;
    draw_text(win, y, x, n, text, attr);
    return n;
}

void draw_blank(WINDOW *win, int y, int x, int cells, attr_t attr)
{
    if (cells <= 0)
        return;
    /* A cchar_t holds any colour pair; a chtype only the first 256. */
    static const wchar_t space[] = L" ";
    cchar_t c;
    setcchar(&c, space, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
    wattrset(win, (int)attr);
    mvwhline_set(win, y, x, &c, cells);
}

cchar_t draw_line_char(const cchar_t *wacs, attr_t attr)
{
    wchar_t wch[CCHARW_MAX + 1];
    attr_t ignored;
    short pair;
    cchar_t c;
    getcchar(wacs, wch, &ignored, &pair, NULL);
    setcchar(&c, wch, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
    return c;
}

void draw_box(WINDOW *win, int y, int x, int h, int w, attr_t border, const char *title,
              attr_t title_attr, const char *footer)
{
    if (h < 2 || w < 2)
        return;
    cchar_t hl = draw_line_char(WACS_HLINE, border), vl = draw_line_char(WACS_VLINE, border);
    cchar_t ul = draw_line_char(WACS_ULCORNER, border);
    cchar_t ur = draw_line_char(WACS_URCORNER, border);
    cchar_t ll = draw_line_char(WACS_LLCORNER, border);
    cchar_t lr = draw_line_char(WACS_LRCORNER, border);
    wattrset(win, (int)border);
    mvwadd_wch(win, y, x, &ul);
    mvwhline_set(win, y, x + 1, &hl, w - 2);
    mvwadd_wch(win, y, x + w - 1, &ur);
    mvwvline_set(win, y + 1, x, &vl, h - 2);
    mvwvline_set(win, y + 1, x + w - 1, &vl, h - 2);
    mvwadd_wch(win, y + h - 1, x, &ll);
    mvwhline_set(win, y + h - 1, x + 1, &hl, w - 2);
    mvwadd_wch(win, y + h - 1, x + w - 1, &lr);
    /* " Title " from the second cell, " footer " ending before the last corner but one. */
    if (title && *title && w >= 5) {
        int n = draw_put(win, y, x + 2, w - 4, " ", title_attr);
        n += draw_put(win, y, x + 2 + n, w - 4 - n, title, title_attr);
        draw_put(win, y, x + 2 + n, w - 4 - n, " ", title_attr);
    }
    if (footer && *footer && w >= 5) {
        int fw = (int)cells_width(footer) + 2;
        if (fw > w - 4)
            fw = w - 4;
        int fx = x + w - 2 - fw;
        int n = draw_put(win, y + h - 1, fx, fw, " ", border);
        n += draw_put(win, y + h - 1, fx + n, fw - n - 1, footer, border);
        draw_put(win, y + h - 1, fx + n, fw - n, " ", border);
    }
}
