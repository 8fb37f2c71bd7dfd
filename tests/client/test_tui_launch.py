"""HARDENING item 7 in the interactive room (tmux, a real dheya-server): a browser command
that is missing, that fails at once, or that fails after a moment. Enter in the room gives
a clear message (the URL dialog, or the status line once the browser has failed), the room
goes on answering keys, and no zombie child of the client is left, however many launches."""
import glob
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, Client, Server, check, eq, run, test, wait_for  # noqa: E402
from term import Term  # noqa: E402

srv = Server()


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def script(scratch, name, body):
    path = scratch.file(name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)
    return path


def children(pid):
    """The client's child processes (of every thread), with their states ('Z' a zombie)."""
    kids = {}
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(path) as f:
                for k in f.read().split():
                    kids[int(k)] = None
        except OSError:
            pass
    for k in list(kids):
        try:
            with open(f"/proc/{k}/stat") as f:
                kids[k] = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            del kids[k]  # gone meanwhile
    return kids


def no_children_left(pid, timeout=5):
    """Waits until the client has no child at all (a launch's helper gone, nothing unreaped)."""
    last = [{}]

    def none():
        last[0] = children(pid)
        return not last[0]
    try:
        wait_for(none, timeout, "the client's children to be gone")
    except AssertionError:
        raise AssertionError(f"children left (pid: state): {last[0]}") from None


def status(s):
    lines = s.splitlines()
    return lines[-2] if len(lines) >= 2 else ""


def open_room(t, browser, label):
    """Opens a room whose session starts in 5 minutes with $BROWSER set, ticks the checklist
    (so that Enter joins without asking) and returns the booking."""
    mentor, mentee, pkg = srv.cast(label)
    b = srv.book(mentee, mentor, pkg, when=iso(300))["booking"]
    c = Client(srv, mentor["token"], scratch=t.scratch)
    t.run([CLIENT_BIN, "--session", b["id"]], env={**c.env, "BROWSER": browser})
    t.wait_for(f"Session 1 with {label} Mentee")
    # An arrow first: it once came as ESC [ B before the first key was read, and quit.
    t.send_keys("Down", "Down", "Space", "Up", "Space", "Up", "Space", "Down", "Down")
    t.wait_for(lambda s: "[x] Audio" in s and "[x] Video" in s and "[x] Goals" in s)
    return b


def keys_answered(t):
    """The room still takes keys: the item under the cursor unticked and ticked again, and
    the help shown and closed."""
    t.send_keys("Space")
    t.wait_for("[ ] Goals", timeout=2)
    t.send_keys("Space")
    t.wait_for("[x] Goals", timeout=2)
    t.send_keys("?")
    t.wait_for("Keys: Meeting room", timeout=2)
    t.send_keys("Escape")
    t.wait_gone("Keys: Meeting room", timeout=2)


def leave(t):
    """q, and y when the room asks because the meeting was joined."""
    t.send_keys("q")
    t.wait_for(lambda s: "Leave the room?" in s or t.exited() is not None)
    if t.exited() is None:
        t.send_keys("y")
    eq(t.wait_exit(), 0, "exit status")


@test
def a_missing_browser_shows_the_url_and_the_room_goes_on():
    with Term(80, 24) as t:
        missing = t.scratch.file("no-such-browser")
        b = open_room(t, missing, "Mo")
        pid = t.pid()
        t.send_keys("Enter")
        s = t.wait_for("c copies it to your local clipboard")
        check("Meeting URL" in s and "no browser could be started" in s, s)
        check("no-such-browser (No such file" in s, s)
        # The whole URL, wrapped inside the dialog's box over as many rows as it needs.
        flat = "".join(line.split("│")[1].strip() for line in s.splitlines()
                       if line.count("│") >= 2)
        check(b["meetingUrl"] in flat, f"the URL is shown: {s}")
        t.send_keys("Escape")
        t.wait_gone("Open this address")
        keys_answered(t)
        no_children_left(pid)
        leave(t)


@test
def a_browser_that_fails_at_once_is_reported_each_time():
    with Term(80, 24) as t:
        # Each run exits with the next status (1, 2, 3), so that each message is a new one.
        count = t.scratch.file("count")
        fails = script(t.scratch, "fails-now",
                       f"n=$(cat '{count}' 2>/dev/null || echo 0)\nn=$((n + 1))\n"
                       f"echo $n > '{count}'\nexit $n\n")
        open_room(t, fails, "Fay")
        pid = t.pid()
        for n, key in enumerate(("Enter", "r", "r"), 1):
            t.send_keys(key)
            s = t.wait_for(lambda s: f"The browser failed: fails-now exited with status {n}" in status(s),
                           timeout=5)
            check(status(s).endswith("c copies the URL."), status(s))
            keys_answered(t)
            no_children_left(pid)
        leave(t)


@test
def a_browser_that_fails_after_a_moment_is_reported_then():
    with Term(80, 24) as t:
        gate = t.scratch.file("gate")
        later = script(t.scratch, "fails-later",
                       f"while [ ! -e '{gate}' ]; do sleep 0.05; done\nkill -TERM $$\n")
        open_room(t, later, "Lu")
        pid = t.pid()
        t.send_keys("Enter")
        s = t.wait_for("opened in the browser")
        # While the browser runs the client waits for it without blocking anything, and
        # nothing of it is a zombie.
        keys_answered(t)
        kids = children(pid)
        check("Z" not in kids.values(), f"no zombie: {kids}")
        check("exited" not in status(t.screen()), status(t.screen()))
        open(gate, "w").close()
        s = t.wait_for(lambda s: "The browser failed: fails-later was ended by signal 15" in status(s), timeout=5)
        keys_answered(t)
        no_children_left(pid)
        leave(t)


@test
def a_browser_that_opens_the_meeting_and_exits_0_says_nothing_more():
    with Term(80, 24) as t:
        record = t.scratch.file("opened")
        fine = script(t.scratch, "fine", f"printf '%s' \"$1\" > '{record}'\n")
        b = open_room(t, fine, "Ok")
        pid = t.pid()
        t.send_keys("Enter")
        t.wait_for("opened in the browser")
        wait_for(lambda: os.path.exists(record), 5, "the browser to run")
        check(open(record).read().startswith(b["meetingUrl"]), "the URL given")
        no_children_left(pid)
        t.never("exited", 1.5)
        leave(t)


run()
