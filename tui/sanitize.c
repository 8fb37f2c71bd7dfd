#include "tui/sanitize.h"

#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

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

/* Decodes one code point at *p (advancing it); invalid, overlong, surrogate or too-large
 * sequences yield REPLACEMENT and consume one byte. */
static uint32_t next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n;
    uint32_t min;
    if (c < 0x80) {
        *p += 1;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        n = 1, c &= 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 2, c &= 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 3, c &= 0x07, min = 0x10000;
    } else {
        *p += 1;
        return REPLACEMENT;
    }
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p += 1;
            return REPLACEMENT;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *p += 1;
        return REPLACEMENT;
    }
    *p += n + 1;
    return c;
}

static size_t encode(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    } else if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    } else if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
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
            return encode(c, out);
        return c == '\t' ? encode(' ', out) : encode(0x2424, out); /* ␤ */
    }
    if (c < 0x20)
        return encode(0x2400 + c, out); /* control pictures: ␀ … ␛ … ␟ */
    if (c == 0x7F)
        return encode(0x2421, out); /* ␡ */
    if (c >= 0x80 && c <= 0x9F)
        return encode(REPLACEMENT, out);
    if (is_invisible_format(c) || (c != REPLACEMENT && wcwidth((wchar_t)c) < 0))
        return (size_t)snprintf(out, 16, "<U+%04X>", (unsigned)c);
    return encode(c, out);
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
    const unsigned char *p = (const unsigned char *)s;
    while (*p)
        len += render(next_code_point(&p), mode, out + len);
    out[len] = '\0';
    return out;
}

size_t sanitize_width(const char *s)
{
    size_t cells = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int w = wcwidth((wchar_t)next_code_point(&p));
        cells += w > 0 ? (size_t)w : 0;
    }
    return cells;
}

char *sanitize_fit(const char *s, size_t cells)
{
    if (cells == 0)
        return calloc(1, 1);
    char *clean = sanitize(s, SANITIZE_LINE);
    if (clean == NULL)
        return NULL;
    char *out = malloc(strlen(clean) + cells + 4);
    if (out == NULL) {
        free(clean);
        return NULL;
    }
    size_t used = 0, len = 0, total = sanitize_width(clean);
    const unsigned char *p = (const unsigned char *)clean;
    while (*p) {
        const unsigned char *start = p;
        int w = wcwidth((wchar_t)next_code_point(&p));
        size_t cw = w > 0 ? (size_t)w : 0;
        /* Leave a cell for the ellipsis when the text does not fit. */
        if (total > cells && used + cw > cells - 1)
            break;
        memcpy(out + len, start, (size_t)(p - start));
        len += (size_t)(p - start);
        used += cw;
    }
    if (total > cells && cells > 0) {
        len += encode(0x2026, out + len);
        used++;
    }
    while (used < cells) {
        out[len++] = ' ';
        used++;
    }
    out[len] = '\0';
    free(clean);
    return out;
}
