/* libFuzzer target: untrusted text on its way to the terminal: sanitize in both modes,
 * sanitize_fit, and the cell-width code under it (cells_decode/encode, cells_width,
 * cells_prefix, cells_fit, cells_wrap). The first byte is a width in cells for the fitting
 * and wrapping functions, the rest is the text. */
#include <locale.h>

#include "tests/fuzz/fuzz.h"
#include "tui/sanitize.h"
#include "widgets/cells.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_sanitize_is_format(unsigned c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
           (c >= 0x200B && c <= 0x200F) || c == 0x061C || c == 0xFEFF;
}

/* HARDENING.md 1-4: nothing that a terminal acts on, or that hides text, gets through. */
static void fuzz_sanitize_check_clean(const char *s, enum sanitize_mode mode)
{
    size_t len = strlen(s);
    FUZZ_CHECK(fuzz_utf8_valid(s, len));
    for (size_t i = 0; i < len;) {
        unsigned cp;
        i += cells_decode(s + i, len - i, &cp);
        if (cp == '\n' || cp == '\t')
            FUZZ_CHECK(mode == SANITIZE_MULTILINE);
        else
            FUZZ_CHECK(cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F));
        FUZZ_CHECK(!fuzz_sanitize_is_format(cp));
    }
}

static void fuzz_sanitize_check_codec(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = cells_decode(s + i, len - i, &cp);
        FUZZ_CHECK(n >= 1 && n <= 4 && n <= len - i);
        FUZZ_CHECK(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF));
        char buf[4];
        size_t m = cells_encode(cp, buf);
        /* A valid sequence reads back as itself; an invalid byte is one U+FFFD. */
        if (n > 1 || cp != 0xFFFD)
            FUZZ_CHECK(m == n && memcmp(buf, s + i, n) == 0);
        int w = cells_of(cp);
        FUZZ_CHECK(w >= 0 && w <= 2);
        i += n;
    }
}

/* The lines cover the text in order; only spaces and newlines fall between them; each
 * fits (a wide character alone on a one-cell line excepted). */
static void fuzz_sanitize_check_wrap(const char *text, size_t cells)
{
    struct cells_line *lines;
    size_t n = cells_wrap(text, cells, &lines);
    FUZZ_CHECK(n >= 1 && lines != NULL);
    size_t len = strlen(text), at = 0, room = cells ? cells : 1;
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(lines[i].start >= at && lines[i].start + lines[i].len <= len);
        for (size_t j = at; j < lines[i].start; j++)
            FUZZ_CHECK(text[j] == ' ' || text[j] == '\n');
        FUZZ_CHECK(memchr(text + lines[i].start, '\n', lines[i].len) == NULL);
        size_t w = cells_width_n(text + lines[i].start, lines[i].len);
        FUZZ_CHECK(w <= room || (room == 1 && w == 2));
        at = lines[i].start + lines[i].len;
    }
    for (size_t j = at; j < len; j++)
        FUZZ_CHECK(text[j] == ' ' || text[j] == '\n');
    free(lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        setlocale(LC_ALL, "C.UTF-8");
        ready = true;
    }
    if (size == 0)
        return 0;
    size_t cells = data[0];
    char *raw = fuzz_string(data + 1, size - 1);
    size_t raw_len = strlen(raw);
    fuzz_sanitize_check_codec(raw, raw_len);

    char *line = sanitize(raw, SANITIZE_LINE);
    char *multi = sanitize(raw, SANITIZE_MULTILINE);
    FUZZ_CHECK(line != NULL && multi != NULL);
    fuzz_sanitize_check_clean(line, SANITIZE_LINE);
    fuzz_sanitize_check_clean(multi, SANITIZE_MULTILINE);
    /* Sanitizing is idempotent: clean text is left as it is. */
    char *again = sanitize(line, SANITIZE_LINE);
    FUZZ_CHECK(strcmp(again, line) == 0);
    free(again);

    char *fit = sanitize_fit(raw, cells);
    FUZZ_CHECK(fit != NULL);
    fuzz_sanitize_check_clean(fit, SANITIZE_LINE);
    FUZZ_CHECK(cells_width(fit) == cells);
    FUZZ_CHECK(sanitize_width(line) == cells_width(line));

    size_t p = cells_prefix(line, cells);
    FUZZ_CHECK(p <= strlen(line) && cells_width_n(line, p) <= cells);
    FUZZ_CHECK(fuzz_utf8_valid(line, p));

    char *fit_multi = cells_fit(multi, cells);
    FUZZ_CHECK(fit_multi != NULL && cells_width(fit_multi) == cells);
    FUZZ_CHECK(strchr(fit_multi, '\n') == NULL);
    free(fit_multi);

    fuzz_sanitize_check_wrap(multi, cells);
    fuzz_sanitize_check_wrap(line, cells);
    /* Raw text breaks the callers' promise; it must still be memory-safe. */
    struct cells_line *lines;
    free(cells_fit(raw, cells));
    cells_wrap(raw, cells, &lines);
    free(lines);
    cells_prefix(raw, cells);

    free(fit);
    free(multi);
    free(line);
    free(raw);
    return 0;
}
