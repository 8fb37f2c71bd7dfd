/* libFuzzer target: the comment editor's key handling. The input is a byte stream of keys
 * (widgets/keys.c holds key tables, not a byte decoder, so the mapping is here): UTF-8 text
 * becomes character keys as wget_wch delivers them (control bytes and invalid bytes
 * included, the latter as U+FFFD), and bytes that never occur in UTF-8 start commands:
 *   0xFF b        a function key (Left, Right, Up, Down, Home, End, Backspace, Delete,
 *                 PageUp, PageDown, Enter, Tab-back, F1, a resize) chosen by b
 *   0xFE h w y x  the widget placed h x w at (y, x) on a 24x80 window, then drawn
 *   0xFD a b c d  a character key with the raw 32-bit value abcd (not necessarily Unicode)
 *   0xFC n TEXT   textarea_set_text with the next n bytes
 * The first byte sets the maximum length. After every key: the text is valid UTF-8 that
 * holds no control, C1 or bidi character but newline, within the maximum; the cursor is on
 * a character boundary within the text; after a draw the terminal cursor is inside the
 * widget. */
#include <locale.h>

#include <curses.h>

#include "tests/fuzz/fuzz.h"
#include "widgets/cells.h"
#include "widgets/textarea.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static WINDOW *fuzz_textarea_win;

static void fuzz_textarea_init(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    FUZZ_CHECK(out != NULL && in != NULL);
    SCREEN *screen = newterm("xterm", out, in);
    if (screen != NULL)
        fuzz_textarea_win = newwin(24, 80, 0, 0);
}

static void fuzz_textarea_check(struct textarea *t, size_t max)
{
    const char *text = textarea_text(t);
    size_t len = strlen(text), chars = 0;
    FUZZ_CHECK(fuzz_utf8_valid(text, len));
    for (size_t i = 0; i < len;) {
        unsigned cp;
        i += cells_decode(text + i, len - i, &cp);
        chars++;
        FUZZ_CHECK(cp == '\n' || (cp >= 0x20 && !(cp >= 0x7F && cp <= 0x9F)));
        FUZZ_CHECK(!(cp >= 0x202A && cp <= 0x202E) && !(cp >= 0x2066 && cp <= 0x2069) &&
                   cp != 0x200E && cp != 0x200F && cp != 0x061C);
    }
    FUZZ_CHECK(textarea_length(t) == chars && chars <= max);
    FUZZ_CHECK(textarea_remaining(t) == max - chars);
    size_t at = textarea_cursor_offset(t);
    FUZZ_CHECK(at <= len);
    FUZZ_CHECK(at == len || ((unsigned char)text[at] & 0xC0) != 0x80);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        fuzz_textarea_init();
        ready = true;
    }
    if (size == 0)
        return 0;
    size_t max = data[0] & 0x80 ? (size_t)(data[0] & 0x7F) : (size_t)data[0] * 64 + 1;
    struct textarea *t = textarea_new(max);
    FUZZ_CHECK(t != NULL);
    struct widget *w = textarea_widget(t);
    widget_place(w, 0, 0, 5, 40);
    static const int codes[] = {KEY_LEFT,  KEY_RIGHT, KEY_UP,    KEY_DOWN,  KEY_HOME,
                                KEY_END,   KEY_BACKSPACE, KEY_DC, KEY_PPAGE, KEY_NPAGE,
                                KEY_ENTER, KEY_BTAB,  KEY_F(1),  KEY_RESIZE};
    const char *s = (const char *)data;
    for (size_t i = 1; i < size;) {
        unsigned char b = (unsigned char)s[i];
        size_t left = size - i - 1;
        if (b == 0xFF && left >= 1) {
            widget_on_key(w, key_code(codes[(unsigned char)s[i + 1] % (sizeof codes /
                                                                      sizeof *codes)]));
            i += 2;
        } else if (b == 0xFE && left >= 4) {
            const unsigned char *a = (const unsigned char *)s + i + 1;
            int h = 1 + a[0] % 12, width = 1 + a[1] % 60;
            widget_place(w, a[2] % (24 - h + 1), a[3] % (80 - width + 1), h, width);
            if (fuzz_textarea_win) {
                widget_draw(w, fuzz_textarea_win, true);
                int y, x;
                FUZZ_CHECK(widget_cursor(w, &y, &x));
                FUZZ_CHECK(y >= w->y && y < w->y + w->h && x >= w->x && x < w->x + w->w);
            }
            i += 5;
        } else if (b == 0xFD && left >= 4) {
            const unsigned char *a = (const unsigned char *)s + i + 1;
            uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
            widget_on_key(w, key_char((wint_t)v));
            i += 5;
        } else if (b == 0xFC && left >= 1) {
            size_t n = (unsigned char)s[i + 1];
            if (n > left - 1)
                n = left - 1;
            char *text = fuzz_string(data + i + 2, n);
            textarea_set_text(t, text);
            free(text);
            i += 2 + n;
        } else {
            unsigned cp;
            i += cells_decode(s + i, size - i, &cp);
            widget_on_key(w, key_char((wint_t)cp));
        }
        fuzz_textarea_check(t, max);
        size_t row, col;
        textarea_cursor_cell(t, (size_t)w->w > 1 ? (size_t)w->w - 1 : 1, &row, &col);
    }
    widget_destroy(w);
    return 0;
}
