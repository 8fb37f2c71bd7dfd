/* What the machine offers for a call, as hints beside the room's checklist: sound cards
 * with a capture device (ALSA: /proc/asound/pcm, named from /proc/asound/cards) and
 * cameras by name (/sys/class/video4linux/NODE/name, capture nodes only). Cheap reads of
 * kernel files that never block. Names come from the hardware (a USB device names itself),
 * so they are sanitized.
 *
 * DHEYA_DEVICES_ROOT, when set, is put in front of those paths (tests give a fake tree).
 * Over SSH (SSH_CONNECTION, SSH_CLIENT or SSH_TTY set) the hint says the devices are the
 * remote machine's, since the meeting runs in a browser on the mentor's own machine. */
#ifndef TUI_DEVICES_H
#define TUI_DEVICES_H

#include <stddef.h>

/* "microphone: HDA Intel PCH", "2 microphones: HDA Intel PCH, USB Audio", "no microphone
 * found". */
void devices_audio_hint(char *out, size_t outlen);
/* "camera: Integrated Camera", "2 cameras: …", "no camera found". */
void devices_video_hint(char *out, size_t outlen);

#endif
