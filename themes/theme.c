#include "themes/theme.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

/* The built-in themes' texts, in the order of theme_builtin_names. The Makefile generates both
 * arrays into $(BUILD)/themes/builtin.c from the files themes/NAME.theme, so the built-ins
 * are the very files a user copies and edits, read by the same parser. */
extern const char *const theme_builtin_texts[];

/* A user theme file larger than this is refused rather than read (the built-ins are ~2 KB). */
#define THEME_FILE_MAX (64 * 1024)

/* A colour as written: value -1 is the terminal's default, 0-255 a palette entry; fallback
 * (-1..7) is what an 8-colour terminal shows instead of a value it does not have. */
struct colour {
    short value, fallback;
};

struct style {
    struct colour fg, bg;
    attr_t attrs;
};

struct theme {
    struct style slot[THEME_N_SLOTS];
    bool mono; /* attributes only: forced, or no slot names a colour */
};

static const char *const slot_names[] = {
#define THEME_NAME(e, name) name,
    THEME_SLOTS(THEME_NAME)
#undef THEME_NAME
};

static const char *const colour_names[8] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
    const char *name;
    attr_t attr;
} attr_names[] = {
    {"bold", A_BOLD},           {"dim", A_DIM},           {"reverse", A_REVERSE},
    {"underline", A_UNDERLINE}, {"standout", A_STANDOUT}, {"italic", A_ITALIC},
};

/* The selected theme, the mono table that stands in for colours a terminal cannot show, and
 * what theme_attr answers. All zero (A_NORMAL) until theme_select succeeds. */
static struct theme current, mono_table;
static attr_t attr_table[THEME_N_SLOTS];

const char *theme_slot_name(enum theme_slot slot)
{
    return (unsigned)slot < THEME_N_SLOTS ? slot_names[slot] : "?";
}

static void theme_clear(struct theme *t)
{
    for (int i = 0; i < THEME_N_SLOTS; i++)
        t->slot[i] = (struct style){{-1, -1}, {-1, -1}, A_NORMAL};
    t->mono = false;
}

static bool uses_colour(const struct style *s)
{
    return s->fg.value >= 0 || s->bg.value >= 0;
}

/* ---- parsing ---- */

static bool word_is(const char *w, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* Appends w for a message: at most 32 bytes, anything but printable ASCII as \xNN, so that a
 * hostile or binary file cannot put escape sequences into the message. */
static void append_safe(GString *s, const char *w, size_t n)
{
    for (size_t i = 0; i < n && i < 32; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            g_string_append_c(s, (char)c);
        else
            g_string_append_printf(s, "\\x%02x", c);
    }
    if (n > 32)
        g_string_append(s, "...");
}

/* w in quotes, made safe by append_safe. */
static void quote(char *out, size_t outlen, const char *w, size_t n)
{
    GString *s = g_string_new("'");
    append_safe(s, w, n);
    g_string_append_c(s, '\'');
    snprintf(out, outlen, "%s", s->str);
    g_string_free(s, TRUE);
}

/* Parses default, a colour name, bright-NAME or colorN into *value; the fallback a bright or
 * low colorN value implies is its 8-colour twin, a 256-colour value implies default. */
static bool parse_colour(const char *w, size_t n, struct colour *c)
{
    if (word_is(w, n, "default")) {
        *c = (struct colour){-1, -1};
        return true;
    }
    bool bright = n > 7 && memcmp(w, "bright-", 7) == 0;
    const char *name = bright ? w + 7 : w;
    size_t len = bright ? n - 7 : n;
    for (short i = 0; i < 8; i++) {
        if (word_is(name, len, colour_names[i])) {
            *c = (struct colour){(short)(bright ? i + 8 : i), i};
            return true;
        }
    }
    if (!bright && n > 5 && n <= 8 && memcmp(w, "color", 5) == 0) {
        int v = 0;
        for (size_t i = 5; i < n; i++) {
            if (w[i] < '0' || w[i] > '9')
                return false;
            v = v * 10 + (w[i] - '0');
        }
        if (v > 255)
            return false;
        *c = (struct colour){(short)v, (short)(v < 16 ? v % 8 : -1)};
        return true;
    }
    return false;
}

/* FG or BG, with an optional |FALLBACK (default, one of the 8 names or color0-7). */
static bool parse_colour_spec(const char *w, size_t n, struct colour *c, char *why,
                              size_t whylen)
{
    const char *bar = memchr(w, '|', n);
    size_t head = bar ? (size_t)(bar - w) : n;
    char q[160];
    if (!parse_colour(w, head, c)) {
        quote(q, sizeof q, w, head);
        snprintf(why, whylen, "unknown colour %s", q);
        return false;
    }
    if (bar == NULL)
        return true;
    const char *fb = bar + 1;
    size_t fblen = n - head - 1;
    struct colour f;
    if (fblen == 0) {
        snprintf(why, whylen, "missing fallback colour after '|'");
        return false;
    }
    if (!parse_colour(fb, fblen, &f) || f.value > 7) {
        quote(q, sizeof q, fb, fblen);
        snprintf(why, whylen, "fallback colour %s is not default or one of the 8 colours", q);
        return false;
    }
    c->fallback = f.value;
    return true;
}

/* The next word of the line [*p, end): skips blanks, stops at a comment. */
static bool next_word(const char **p, const char *end, const char **w, size_t *n)
{
    const char *s = *p;
    while (s < end && strchr(" \t\r\v\f", *s))
        s++;
    if (s == end || *s == '#') {
        *p = end;
        return false;
    }
    const char *e = s;
    while (e < end && !strchr(" \t\r\v\f#", *e))
        e++;
    *w = s;
    *n = (size_t)(e - s);
    *p = e;
    return true;
}

/* One line: blank, a comment, or "color SLOT FG BG [ATTR...]". On error, why says what. */
static bool parse_line(const char *p, const char *end, struct theme *t, char *why,
                       size_t whylen)
{
    const char *w;
    size_t n;
    char q[160];
    if (!next_word(&p, end, &w, &n))
        return true;
    if (!word_is(w, n, "color")) {
        quote(q, sizeof q, w, n);
        snprintf(why, whylen, "unknown command %s (lines are: color SLOT FG BG [ATTR...])", q);
        return false;
    }
    if (!next_word(&p, end, &w, &n)) {
        snprintf(why, whylen, "missing slot");
        return false;
    }
    int slot = 0;
    while (slot < THEME_N_SLOTS && !word_is(w, n, slot_names[slot]))
        slot++;
    if (slot == THEME_N_SLOTS) {
        quote(q, sizeof q, w, n);
        snprintf(why, whylen, "unknown slot %s", q);
        return false;
    }
    struct style s = {.attrs = A_NORMAL};
    if (!next_word(&p, end, &w, &n)) {
        snprintf(why, whylen, "missing foreground");
        return false;
    }
    if (!parse_colour_spec(w, n, &s.fg, why, whylen))
        return false;
    if (!next_word(&p, end, &w, &n)) {
        snprintf(why, whylen, "missing background");
        return false;
    }
    if (!parse_colour_spec(w, n, &s.bg, why, whylen))
        return false;
    while (next_word(&p, end, &w, &n)) {
        size_t i = 0;
        while (i < G_N_ELEMENTS(attr_names) && !word_is(w, n, attr_names[i].name))
            i++;
        if (i == G_N_ELEMENTS(attr_names)) {
            quote(q, sizeof q, w, n);
            snprintf(why, whylen, "unknown attribute %s", q);
            return false;
        }
        s.attrs |= attr_names[i].attr;
    }
    t->slot[slot] = s; /* a later line for the same slot wins, as in tig */
    return true;
}

static bool parse(const char *text, const char *file, struct theme *t, char *err,
                  size_t errlen)
{
    theme_clear(t);
    unsigned long line = 1;
    for (const char *p = text;; line++) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        char why[256];
        if (!parse_line(p, end, t, why, sizeof why)) {
            snprintf(err, errlen, "%s:%lu: %s", file, line, why);
            return false;
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    t->mono = true;
    for (int i = 0; i < THEME_N_SLOTS; i++)
        if (uses_colour(&t->slot[i]))
            t->mono = false;
    return true;
}

bool theme_parse(const char *text, const char *file, char *err, size_t errlen)
{
    struct theme t;
    return parse(text, file, &t, err, errlen);
}

/* ---- finding a theme ---- */

static bool name_ok(const char *name)
{
    return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL;
}

/* Reads a user theme file. Returns 1 with *text (g_free) when read, 0 when it does not exist,
 * -1 with err on any other failure. */
static int read_user_file(const char *path, char **text, char *err, size_t errlen)
{
    /* O_NONBLOCK so that a FIFO named like a theme cannot hang the start-up. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, g_strerror(errno));
        return -1;
    }
    struct stat st;
    char *buf = NULL;
    const char *problem = NULL;
    if (fstat(fd, &st) != 0)
        problem = g_strerror(errno);
    else if (!S_ISREG(st.st_mode))
        problem = "not a regular file";
    else if (st.st_size > THEME_FILE_MAX)
        problem = "too large for a theme file";
    if (problem == NULL) {
        buf = g_malloc((size_t)THEME_FILE_MAX + 1);
        size_t len = 0;
        ssize_t r;
        while (len <= THEME_FILE_MAX &&
               (r = read(fd, buf + len, (size_t)THEME_FILE_MAX + 1 - len)) != 0) {
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                problem = g_strerror(errno);
                break;
            }
            len += (size_t)r;
        }
        if (problem == NULL && len > THEME_FILE_MAX)
            problem = "too large for a theme file";
        else if (problem == NULL && memchr(buf, '\0', len))
            problem = "not a text file (it contains a NUL byte)";
        else if (problem == NULL)
            buf[len] = '\0';
    }
    close(fd);
    if (problem) {
        snprintf(err, errlen, "%s: %s", path, problem);
        g_free(buf);
        return -1;
    }
    *text = buf;
    return 1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "unknown theme 'x'; available: a, b, c": the built-ins and the user's files, sorted. */
static void unknown_theme(const char *name, const char *user_dir, char *err, size_t errlen)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; theme_builtin_names[i]; i++)
        g_ptr_array_add(names, g_strdup(theme_builtin_names[i]));
    DIR *d = user_dir ? opendir(user_dir) : NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n > 6 && strcmp(e->d_name + n - 6, ".theme") == 0 && name_ok(e->d_name))
            g_ptr_array_add(names, g_strndup(e->d_name, n - 6));
    }
    if (d)
        closedir(d);
    g_ptr_array_sort(names, compare_names);
    GString *list = g_string_new(NULL);
    for (guint i = 0; i < names->len; i++) {
        const char *s = names->pdata[i];
        if (i > 0 && strcmp(s, names->pdata[i - 1]) == 0)
            continue;
        if (list->len)
            g_string_append(list, ", ");
        append_safe(list, s, strlen(s));
    }
    char q[160];
    quote(q, sizeof q, name, strlen(name));
    snprintf(err, errlen, "unknown theme %s; available: %s", q, list->str);
    g_string_free(list, TRUE);
    g_ptr_array_free(names, TRUE);
}

/* Loads theme name into *t: the user's NAME.theme, else the built-in. */
static bool load(const char *name, const char *user_dir, struct theme *t, char *err,
                 size_t errlen)
{
    if (!name_ok(name)) {
        char q[160];
        quote(q, sizeof q, name, strlen(name));
        snprintf(err, errlen, "invalid theme name %s: a name such as 'light', not a path",
                 q);
        return false;
    }
    if (user_dir) {
        char *path = g_strconcat(user_dir, "/", name, ".theme", NULL);
        char *text = NULL;
        int found = read_user_file(path, &text, err, errlen);
        bool ok = found == 1 && parse(text, path, t, err, errlen);
        g_free(text);
        g_free(path);
        if (found != 0)
            return ok;
    }
    for (size_t i = 0; theme_builtin_names[i]; i++) {
        if (strcmp(theme_builtin_names[i], name) == 0) {
            char *file = g_strconcat(name, ".theme", NULL);
            bool ok = parse(theme_builtin_texts[i], file, t, err, errlen);
            g_free(file);
            return ok;
        }
    }
    unknown_theme(name, user_dir, err, errlen);
    return false;
}

bool theme_select(const char *name, const char *user_dir, bool force_mono, char *err,
                  size_t errlen)
{
    struct theme t, m;
    if (name == NULL)
        name = "default";
    /* The named theme is read even when mono is forced, so that a mistake in it is reported
     * the same way whatever NO_COLOR says. */
    if (!load(name, user_dir, &t, err, errlen) || !load("mono", user_dir, &m, err, errlen))
        return false;
    if (force_mono) {
        t = m;
        t.mono = true;
    }
    current = t;
    mono_table = m;
    for (int i = 0; i < THEME_N_SLOTS; i++) {
        short fg, bg;
        theme_resolve((enum theme_slot)i, 0, &fg, &bg, &attr_table[i]);
    }
    return true;
}

/* ---- the terminal ---- */

/* The colour to ask for on a terminal with `colors` colours: the value itself when the
 * terminal has it (0-7 need 8 colours, 8-15 need 16, 16-255 need 256: an 88-colour palette
 * is laid out differently, so 256-colour values are not used there), else the fallback. */
static short pick(struct colour c, int colors)
{
    if (c.value < 0)
        return -1;
    int need = c.value < 8 ? 8 : c.value < 16 ? 16 : 256;
    return colors >= need ? c.value : c.fallback;
}

bool theme_resolve(enum theme_slot slot, int colors, short *fg, short *bg, attr_t *attrs)
{
    *fg = *bg = -1;
    *attrs = A_NORMAL;
    if ((unsigned)slot >= THEME_N_SLOTS)
        return false;
    const struct style *s = &current.slot[slot];
    if (!current.mono && colors >= 8) {
        *fg = pick(s->fg, colors);
        *bg = pick(s->bg, colors);
        if (*fg >= 0 || *bg >= 0) {
            *attrs = s->attrs;
            return true;
        }
        *fg = *bg = -1;
    }
    /* A slot told apart by its colour is told apart by the mono theme's attributes where
     * the colour cannot be shown. */
    *attrs = s->attrs | (uses_colour(s) ? mono_table.slot[slot].attrs : A_NORMAL);
    return false;
}

void theme_apply(void)
{
    int colors = 0;
    bool terminal_default = true;
    if (!current.mono && has_colors() && start_color() == OK) {
        colors = COLORS;
        terminal_default = use_default_colors() == OK;
    }
    for (int i = 0; i < THEME_N_SLOTS; i++) {
        short fg, bg;
        attr_t a;
        short pair = (short)(i + 1);
        if (theme_resolve((enum theme_slot)i, colors, &fg, &bg, &a) && pair < COLOR_PAIRS) {
            /* Without use_default_colors, "default" is the classic white on black. */
            if (!terminal_default) {
                fg = fg < 0 ? COLOR_WHITE : fg;
                bg = bg < 0 ? COLOR_BLACK : bg;
            }
            if (init_pair(pair, fg, bg) == OK)
                a |= COLOR_PAIR(pair);
        }
        attr_table[i] = a;
    }
    bkgd(attr_table[THEME_NORMAL] | ' ');
}

attr_t theme_attr(enum theme_slot slot)
{
    return (unsigned)slot < THEME_N_SLOTS ? attr_table[slot] : A_NORMAL;
}
