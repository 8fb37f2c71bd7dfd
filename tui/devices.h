/* What the machine offers for a call, as hints beside the checklist: capture devices
 * (ALSA capture PCMs in /dev/snd) and cameras (/dev/video*). Cheap: a directory listing. */
#ifndef TUI_DEVICES_H
#define TUI_DEVICES_H

#include <stddef.h>

/* "2 microphones found" / "no microphone found (check the browser's permissions)". */
void devices_audio_hint(char *out, size_t outlen);
/* "1 camera found" / "no camera found". */
void devices_video_hint(char *out, size_t outlen);

#endif
