"""The room's checklist hints from the machine, on a fake procfs/sysfs tree under
DHEYA_DEVICES_ROOT: microphones from ALSA's capture PCMs named from /proc/asound/cards,
cameras by name (a camera's metadata node not counted twice, a hostile USB name sanitized),
none at all, and the SSH note. In a real terminal (tmux), as the mentor sees them."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, Client, Scratch, Server, check, eq, run, test  # noqa: E402
from term import Term  # noqa: E402

srv = Server()
mentor, mentee, pkg = srv.cast("Devices")
when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7200))
booking = srv.book(mentee, mentor, pkg, when=when)["booking"]


def tree(files):
    s = Scratch()
    for path, text in files.items():
        full = os.path.join(s.path, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return s.path


TWO_CAMERAS = tree({
    "/proc/asound/cards": " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n"
                          "                      HDA Intel PCH at 0xfe, irq 146\n"
                          " 1 [HDMI           ]: HDA-Intel - HDA ATI HDMI\n"
                          "                      HDA ATI HDMI at 0xfd, irq 147\n",
    "/proc/asound/pcm": "00-00: ALC257 Analog : ALC257 Analog : playback 1 : capture 1\n"
                        "00-06: DMIC : DMIC Capture : capture 1\n"
                        "01-03: HDMI 0 : HDMI 0 : playback 1\n",
    "/sys/class/video4linux/video0/name": "Integrated Camera: Integrated C\n",
    "/sys/class/video4linux/video0/index": "0\n",
    "/sys/class/video4linux/video1/name": "Integrated Camera: Integrated C\n",
    "/sys/class/video4linux/video1/index": "1\n",
    "/sys/class/video4linux/video10/name": "USB Cam\x1b]0;pwned\x07\n",
    "/sys/class/video4linux/video10/index": "0\n",
})
NOTHING = Scratch().path


def hints(root, **env):
    with Term(150, 30) as t:
        c = Client(srv, mentor["token"], scratch=t.scratch)
        t.run([CLIENT_BIN, "--session", booking["id"]],
              env={**c.env, "DHEYA_DEVICES_ROOT": root, **env})
        screen = t.wait_for("[ ] Video")
        t.send_keys("q")
        eq(t.wait_exit(), 0)
        return screen, t.raw()


@test
def two_cameras_and_a_microphone_by_name():
    screen, raw = hints(TWO_CAMERAS)
    check("[ ] Audio  microphone: HDA Intel PCH" in screen, screen)
    check("[ ] Video  2 cameras: Integrated Camera: Integrated C, USB Cam" in screen, screen)
    check(b"\x1b]0;pwned" not in raw, "a USB device's name cannot set the title")


@test
def none_found():
    screen, _ = hints(NOTHING)
    check("[ ] Audio  no microphone found" in screen, screen)
    check("[ ] Video  no camera found" in screen, screen)
    check("remote machine" not in screen, "no SSH note without SSH")


@test
def over_ssh_the_devices_are_the_remote_machines():
    """Any one of the variables the launcher takes for an SSH login (SSH_CLIENT alone is
    what some sshd configurations and `su -` leave) gives the note."""
    for var, value in (("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22"),
                       ("SSH_CLIENT", "10.0.0.1 50000 22"), ("SSH_TTY", "/dev/pts/3")):
        screen, _ = hints(NOTHING, **{var: value})
        check("no camera found (on the remote machine; the meeting uses your local devices)"
              in screen, f"{var}: {screen}")


run()
