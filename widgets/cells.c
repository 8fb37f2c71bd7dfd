#include "widgets/cells.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define REPLACEMENT 0xFFFDu
#define NO_BREAK SIZE_MAX

int cells_of(unsigned cp)
{
    if (cp > 0x10FFFF)
        return 1;
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

size_t cells_encode(unsigned c, char *out)
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

size_t cells_decode(const char *s, size_t len, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0) {
        *cp = REPLACEMENT;
        return 0;
    }
    unsigned c = u[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 1, c &= 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 2, c &= 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 3, c &= 0x07, min = 0x10000;
    } else {
        *cp = REPLACEMENT;
        return 1;
    }
    if (n >= len) {
        *cp = REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i <= n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = REPLACEMENT;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    /* Overlong forms, surrogates and values past Unicode are invalid, not aliases. */
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = REPLACEMENT;
        return 1;
    }
    *cp = c;
    return n + 1;
}

size_t cells_width_n(const char *s, size_t len)
{
    size_t cells = 0, i = 0;
    while (i < len) {
        unsigned cp;
        i += cells_decode(s + i, len - i, &cp);
        if (cp != '\n')
            cells += (size_t)cells_of(cp);
    }
    return cells;
}

size_t cells_width(const char *s)
{
    return cells_width_n(s, strlen(s));
}

size_t cells_prefix(const char *s, size_t cells)
{
    size_t len = strlen(s), i = 0, used = 0;
    while (i < len) {
        unsigned cp;
        size_t n = cells_decode(s + i, len - i, &cp);
        size_t w = cp == '\n' ? 0 : (size_t)cells_of(cp);
        /* Combining marks take no cells, so they always follow a base that fitted, and
         * stopping at the first character that does not fit never strands them. */
        if (used + w > cells)
            break;
        used += w;
        i += n;
    }
    return i;
}

char *cells_fit(const char *s, size_t cells)
{
    size_t len = strlen(s);
    /* Room for the text, the ellipsis (3 bytes) and padding. */
    char *out = malloc(len + 3 + cells + 1);
    if (out == NULL)
        return NULL;
    /* A newline would break the one line this is for: it shows as a space (one cell). */
    size_t total = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        i += cells_decode(s + i, len - i, &cp);
        total += (size_t)cells_of(cp == '\n' ? ' ' : cp);
    }
    size_t room = total > cells ? (cells > 0 ? cells - 1 : 0) : cells;
    size_t used = 0, o = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = cells_decode(s + i, len - i, &cp);
        size_t w = (size_t)cells_of(cp == '\n' ? ' ' : cp);
        if (used + w > room)
            break;
        if (cp == '\n')
            out[o++] = ' ';
        else
            memcpy(out + o, s + i, n), o += n;
        used += w;
        i += n;
    }
    if (total > cells && cells > 0) {
        memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
        o += 3;
        used++;
    }
    while (used < cells)
        out[o++] = ' ', used++;
    out[o] = '\0';
    return out;
}

struct line_vec {
    struct cells_line *v;
    size_t n, cap;
    bool failed;
};

static void push_line(struct line_vec *lv, size_t start, size_t len)
{
    if (lv->failed)
        return;
    if (lv->n == lv->cap) {
        size_t cap = lv->cap ? lv->cap * 2 : 8;
        struct cells_line *v = realloc(lv->v, cap * sizeof *v);
        if (v == NULL) {
            lv->failed = true;
            return;
        }
        lv->v = v, lv->cap = cap;
    }
    lv->v[lv->n++] = (struct cells_line){start, len};
}

/* Where a word too long for a line is best cut: after a '/' or '@' (an address or a URL
 * splits into parts a reader knows), else after one of ".-_?&=", else anywhere. */
static int soft_break_rank(unsigned cp)
{
    if (cp == '/' || cp == '@')
        return 2;
    return cp != 0 && strchr(".-_?&=", (int)cp) != NULL ? 1 : 0;
}

size_t cells_wrap(const char *text, size_t cells, struct cells_line **lines)
{
    struct line_vec lv = {0};
    size_t len = strlen(text);
    if (cells == 0)
        cells = 1;
    /* used: cells on the current line; brk: the last space on it (where it may break);
     * after: cells since that space, which move to the next line if it breaks there.
     * soft[r]: just after the last character of rank r on the line (see soft_break_rank),
     * with soft_used[r] the cells up to it: where a word with no space is cut. */
    size_t start = 0, pos = 0, used = 0, brk = NO_BREAK, after = 0;
    size_t soft[3] = {NO_BREAK, NO_BREAK, NO_BREAK}, soft_used[3] = {0};
#define NEW_LINE() (brk = soft[1] = soft[2] = NO_BREAK)
    while (pos < len) {
        unsigned cp;
        size_t n = cells_decode(text + pos, len - pos, &cp);
        if (cp == '\n') {
            push_line(&lv, start, pos - start);
            start = pos = pos + 1;
            used = 0, NEW_LINE();
            continue;
        }
        if (cp == ' ') {
            if (used + 1 > cells) { /* a space past the edge is the break itself */
                push_line(&lv, start, pos - start);
                start = pos = pos + 1;
                used = 0, NEW_LINE();
                continue;
            }
            brk = pos, after = 0;
            soft[1] = soft[2] = NO_BREAK; /* a space is the better break from here on */
            used++, pos++;
            continue;
        }
        size_t w = (size_t)cells_of(cp);
        /* used > 0: a character wider than a whole line still goes somewhere, alone. */
        if (used + w > cells && used > 0) {
            size_t cut = soft[2] != NO_BREAK ? 2 : soft[1] != NO_BREAK ? 1 : 0;
            if (brk != NO_BREAK) {
                push_line(&lv, start, brk - start);
                start = brk + 1;
                /* The soft breaks seen since the space move to the new line with its word. */
                for (int r = 1; r <= 2; r++)
                    if (soft[r] != NO_BREAK)
                        soft_used[r] -= used - after;
                used = after, brk = NO_BREAK;
            } else if (cut > 0) { /* a long word cut after a '/', '@', '.'... */
                push_line(&lv, start, soft[cut] - start);
                start = soft[cut];
                used -= soft_used[cut], NEW_LINE();
            } else { /* a word longer than the line with nowhere better: cut it here */
                push_line(&lv, start, pos - start);
                start = pos;
                used = 0, NEW_LINE();
            }
            continue; /* measure this character again on the new line */
        }
        used += w, after += w;
        pos += n;
        int rank = soft_break_rank(cp);
        if (rank > 0 && pos < len)
            soft[rank] = pos, soft_used[rank] = used;
    }
#undef NEW_LINE
    push_line(&lv, start, len - start);
    if (lv.failed) {
        free(lv.v);
        *lines = NULL;
        return 0;
    }
    *lines = lv.v;
    return lv.n;
}
