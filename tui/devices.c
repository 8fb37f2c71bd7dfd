#include "tui/devices.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Entries of dir whose names start with prefix (and end with suffix, if given). */
static int count(const char *dir, const char *prefix, const char *suffix)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    size_t pl = strlen(prefix), sl = suffix ? strlen(suffix) : 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, pl) == 0 &&
            (suffix == NULL || (len > sl && strcmp(e->d_name + len - sl, suffix) == 0)))
            n++;
    }
    closedir(d);
    return n;
}

void devices_audio_hint(char *out, size_t outlen)
{
    int n = count("/dev/snd", "pcmC", "c");
    if (n > 0)
        snprintf(out, outlen, "%d microphone%s found; test it in the meeting's settings", n,
                 n == 1 ? "" : "s");
    else
        snprintf(out, outlen, "no local microphone seen; check the browser's device choice");
}

void devices_video_hint(char *out, size_t outlen)
{
    int n = count("/dev", "video", NULL);
    if (n > 0)
        snprintf(out, outlen, "%d camera%s found; check light and framing", n,
                 n == 1 ? "" : "s");
    else
        snprintf(out, outlen, "no local camera seen; check the browser's device choice");
}
