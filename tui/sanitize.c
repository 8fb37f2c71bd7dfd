#include "tui/sanitize.h"

#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "widgets/cells.h"

#define REPLACEMENT 0xFFFD

void sanitize_init_locale(void)
{
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    if (cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0))
        return;
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        setlocale(LC_CTYPE, "en_US.UTF-8");
}

/* Bidi controls and zero-width characters (Trojan Source, CVE-2021-42574). */
static bool is_invisible_format(uint32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
           (c >= 0x200B && c <= 0x200F) || c == 0x061C || c == 0xFEFF || c == 0x2028 ||
           c == 0x2029 || c == 0x2060 || c == 0x180E;
}

/* Writes what c becomes on the terminal into out (at most 16 bytes); returns its length. */
static size_t render(uint32_t c, enum sanitize_mode mode, char *out)
{
    if (c == '\n' || c == '\t') {
        if (mode == SANITIZE_MULTILINE)
            return cells_encode(c, out);
        return c == '\t' ? cells_encode(' ', out) : cells_encode(0x2424, out); /* ␤ */
    }
    if (c < 0x20)
        return cells_encode(0x2400 + c, out); /* control pictures: ␀ … ␛ … ␟ */
    if (c == 0x7F)
        return cells_encode(0x2421, out); /* ␡ */
    if (c >= 0x80 && c <= 0x9F)
        return cells_encode(REPLACEMENT, out);
    if (is_invisible_format(c) || (c != REPLACEMENT && wcwidth((wchar_t)c) < 0))
        return (size_t)snprintf(out, 16, "<U+%04X>", (unsigned)c);
    return cells_encode(c, out);
}

char *sanitize(const char *s, enum sanitize_mode mode)
{
    if (s == NULL)
        s = "";
    size_t n = strlen(s);
    /* Each input byte becomes at most 8 output bytes ("<U+XXXX>" from a 3-byte char). */
    char *out = malloc(n * 8 + 1);
    if (out == NULL)
        return NULL;
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp;
        i += cells_decode(s + i, n - i, &cp);
        len += render(cp, mode, out + len);
    }
    out[len] = '\0';
    return out;
}

size_t sanitize_width(const char *s)
{
    return cells_width(s);
}

char *sanitize_fit(const char *s, size_t cells)
{
    char *clean = sanitize(s, SANITIZE_LINE);
    char *out = clean ? cells_fit(clean, cells) : NULL;
    free(clean);
    return out;
}
