#include "tui/devices.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "tui/launcher.h"
#include "tui/sanitize.h"

#define MAX_DEVICES 16
#define MAX_FILE (64 * 1024)

/* A kernel file under DHEYA_DEVICES_ROOT (NULL when missing). Caller frees with g_free. */
static char *read_file(const char *path)
{
    const char *root = getenv("DHEYA_DEVICES_ROOT");
    char *full = g_strconcat(root ? root : "", path, NULL);
    char *text = NULL;
    gsize len;
    if (!g_file_get_contents(full, &text, &len, NULL) || len > MAX_FILE) {
        g_free(text);
        text = NULL;
    }
    g_free(full);
    return text;
}

/* Adds name (trimmed) to names unless it is empty or already there. */
static void add_name(GPtrArray *names, const char *name)
{
    char *n = g_strstrip(g_strdup(name));
    for (guint i = 0; i < names->len && *n; i++)
        if (strcmp(names->pdata[i], n) == 0)
            *n = '\0';
    if (*n && names->len < MAX_DEVICES)
        g_ptr_array_add(names, n);
    else
        g_free(n);
}

/* The long name of card `card` in /proc/asound/cards (" 0 [PCH ]: HDA-Intel - HDA Intel
 * PCH"), or NULL. */
static char *card_name(const char *cards, int card)
{
    if (cards == NULL)
        return NULL;
    char **lines = g_strsplit(cards, "\n", -1);
    char *name = NULL;
    for (int i = 0; lines[i] && name == NULL; i++) {
        char *end;
        long n = strtol(lines[i], &end, 10);
        const char *dash = strstr(lines[i], " - ");
        if (end != lines[i] && *end == ' ' && n == card && dash)
            name = g_strdup(dash + 3);
    }
    g_strfreev(lines);
    return name;
}

/* Sound cards that have a capture device: /proc/asound/pcm lines are
 * "00-00: ID : NAME : playback 1 : capture 1". */
static void microphones(GPtrArray *names)
{
    char *pcm = read_file("/proc/asound/pcm");
    if (pcm == NULL)
        return;
    char *cards = read_file("/proc/asound/cards");
    char **lines = g_strsplit(pcm, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (strstr(lines[i], ": capture ") == NULL)
            continue;
        char *end;
        long card = strtol(lines[i], &end, 10);
        if (end == lines[i] || *end != '-')
            continue;
        char *name = card_name(cards, (int)card);
        if (name == NULL) {
            char **fields = g_strsplit(lines[i], ":", 4);
            name = g_strdup(fields[0] && fields[1] && fields[2] ? fields[2] : "sound card");
            g_strfreev(fields);
        }
        add_name(names, name);
        g_free(name);
    }
    g_strfreev(lines);
    g_free(cards);
    g_free(pcm);
}

static int node_order(gconstpointer a, gconstpointer b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    return atoi(x + 5) - atoi(y + 5);
}

/* Video capture nodes by name; a camera's metadata node (index 1 and up) is skipped. */
static void cameras(GPtrArray *names)
{
    const char *root = getenv("DHEYA_DEVICES_ROOT");
    char *dir = g_strconcat(root ? root : "", "/sys/class/video4linux", NULL);
    DIR *d = opendir(dir);
    g_free(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    GPtrArray *nodes = g_ptr_array_new_with_free_func(g_free);
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "video", 5) == 0)
            g_ptr_array_add(nodes, g_strdup(e->d_name));
    closedir(d);
    /* video0 before video10, so that the names come in the kernel's order. */
    g_ptr_array_sort(nodes, node_order);
    for (guint i = 0; i < nodes->len; i++) {
        char *base = g_strconcat("/sys/class/video4linux/", (char *)nodes->pdata[i], NULL);
        char *index_path = g_strconcat(base, "/index", NULL);
        char *name_path = g_strconcat(base, "/name", NULL);
        char *index = read_file(index_path);
        char *name = read_file(name_path);
        if (name && (index == NULL || atoi(index) == 0))
            add_name(names, name);
        g_free(index);
        g_free(name);
        g_free(index_path);
        g_free(name_path);
        g_free(base);
    }
    g_ptr_array_free(nodes, TRUE);
}

/* "what: A", "N whats: A, B", or "no what found", sanitized, with the SSH note. */
static void hint(GPtrArray *names, const char *what, char *out, size_t outlen)
{
    GString *s = g_string_new(NULL);
    if (names->len == 0)
        g_string_printf(s, "no %s found", what);
    else if (names->len == 1)
        g_string_printf(s, "%s: ", what);
    else
        g_string_printf(s, "%u %ss: ", names->len, what);
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)names->pdata[i]);
    if (launcher_over_ssh())
        g_string_append(s, " (on the remote machine; the meeting uses your local devices)");
    char *clean = sanitize(s->str, SANITIZE_LINE);
    size_t n = clean ? strlen(clean) : 0;
    if (n >= outlen) /* cut at a character's start, never inside one */
        for (n = outlen - 1; n > 0 && (clean[n] & 0xC0) == 0x80; n--)
            ;
    snprintf(out, outlen, "%.*s", (int)n, clean ? clean : "");
    free(clean);
    g_string_free(s, TRUE);
}

void devices_audio_hint(char *out, size_t outlen)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    microphones(names);
    hint(names, "microphone", out, outlen);
    g_ptr_array_free(names, TRUE);
}

void devices_video_hint(char *out, size_t outlen)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    cameras(names);
    hint(names, "camera", out, outlen);
    g_ptr_array_free(names, TRUE);
}
