"""The interactive dheya-meet in a real terminal (tmux) against a real dheya-server: the
mentor's whole flow from the sessions screen to the feedback stored on the server, J (the
session starting soon, in progress, or running over its time), `--session ID`, a meeting
ended by a provider webhook while the room is open, the help overlay against the
function-key bar, and leaving a room while the meeting runs."""
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (CLIENT_BIN, Client, Server, browser_recorder, check,  # noqa: E402
                     eq, read_record, run, test)
from term import Term  # noqa: E402

SECRET = "webhook secret for the tui tests"
srv = Server(env={"WEBHOOK_SECRET": SECRET})
TIMER_RUNNING = re.compile(r"\d\d:\d\d elapsed · \d\d:\d\d left")


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def cast_and_book(label, start=-120, **kw):
    """A mentor, a mentee and a booking that started `-start` seconds ago (60 min)."""
    mentor, mentee, pkg = srv.cast(label)
    b = srv.book(mentee, mentor, pkg, when=iso(start), **kw)["booking"]
    return mentor, mentee, b


def meeting(mentor, bid):
    r = srv.request("GET", f"/api/sessions/{bid}/meeting", token=mentor["token"])
    eq(r.status, 200, r.body)
    return r.json()


def start(t, mentor, *args, **env):
    """Runs dheya-meet ARGS in t as mentor, with $BROWSER recording its arguments."""
    c = Client(srv, mentor["token"], scratch=t.scratch)
    script, record = browser_recorder(t.scratch)
    t.run([CLIENT_BIN, *args], env={**c.env, "BROWSER": script, **env})
    return record


def quit_cleanly(t, keys=("q",)):
    t.send_keys(*keys)
    eq(t.wait_exit(), 0, "exit status")


@test
def the_whole_flow_from_sessions_to_stored_feedback():
    mentor, mentee, b = cast_and_book("Ana")
    with Term(80, 24) as t:
        record = start(t, mentor)
        t.wait_for(re.compile(r"Ana Mentee\s+Destinatio.*SCHEDULED"))
        check("Sessions" in t.screen().splitlines()[0], "the title names the screen")
        t.send_keys("Enter")
        t.wait_for("Session 1 with Ana Mentee")
        t.wait_for("[ ] Audio")
        t.send_keys("Space")
        t.wait_for("[x] Audio")
        t.send_keys("Down", "Space")
        t.wait_for("[x] Video")
        t.send_keys("Down", "Space")
        s = t.wait_for("[x] Goals")
        check("[x] Audio" in s and "[x] Video" in s, s)
        t.send_keys("Enter")
        argv = read_record(record)
        want = b["meetingUrl"] + "#userInfo.displayName=%22Ana%20Mentor%22"
        eq(argv[1:], [want], "the browser gets the meeting URL as one argument")
        check(want.startswith("https://"), want)
        t.wait_for("opened in the browser")
        t.wait_for(TIMER_RUNNING)
        t.send_keys("e")
        t.wait_for("End the session?")
        eq(meeting(mentor, b["id"])["booking"]["status"], "SCHEDULED", "not before y")
        t.send_keys("y")
        t.wait_for("How did the session with Ana Mentee go?")
        eq(meeting(mentor, b["id"])["booking"]["status"], "COMPLETED")
        t.send_keys("4")
        t.wait_for("4/5 Very good")
        t.send_keys("Tab")
        comment = "Très bien 👍 q?j"
        t.type(comment)
        t.wait_for(comment)
        t.wait_for("1985 of 2000 characters left")
        t.send_keys("C-s")
        t.wait_for(lambda s: "Session ended" in s and "How did" not in s)  # back in the room
        fb = meeting(mentor, b["id"])["booking"]["feedback"]
        eq((fb["rating"], fb["comment"]), (4, comment), "the feedback stored")
        # The status line says so (it shows for 6 s).
        t.wait_for(lambda s: "Feedback sent" in s.splitlines()[-2], timeout=2)
        quit_cleanly(t, ("q", "q"))


@test
def j_joins_the_session_starting_soon_or_says_when_the_next_one_is():
    mentor, mentee, pkg = srv.cast("Jo")
    later = srv.book(mentee, mentor, pkg, when=iso(40 * 60))["booking"]
    with Term(80, 24) as t:
        record = start(t, mentor)
        t.wait_for("Jo Mentee")
        t.send_keys("J")
        t.wait_for("the next one is with Jo Mentee")
        check(not os.path.exists(record), "nothing launched")
        soon = srv.book(mentee, mentor, pkg, when=iso(5 * 60))["booking"]
        t.send_keys("r")
        t.wait_for(lambda s: s.count("Jo Mentee") == 2)
        t.send_keys("J")
        t.wait_for("Session 1 with Jo Mentee")
        eq(read_record(record)[1], soon["meetingUrl"] + "#userInfo.displayName=%22Jo%20Mentor%22")
        check(later["meetingUrl"] not in open(record).read(), "the later one is not launched")
        quit_cleanly(t, ("q", "y", "q"))


def j_joins(label, running_start, other_start):
    """J on the sessions screen with a session that started running_start seconds ago (for
    60 min) and another starting in other_start seconds: the room of the running one opens
    and its meeting is launched, not the other's."""
    mentor, mentee, pkg = srv.cast(label)
    running = srv.book(mentee, mentor, pkg, when=iso(-running_start), number=2)["booking"]
    soon = srv.book(mentee, mentor, pkg, when=iso(other_start), number=3)["booking"]
    with Term(80, 24) as t:
        record = start(t, mentor)
        t.wait_for(lambda s: s.count(f"{label} Mentee") == 2)
        t.send_keys("J")
        t.wait_for(f"Session 2 with {label} Mentee")
        eq(read_record(record)[1], running["meetingUrl"] +
           f"#userInfo.displayName=%22{label}%20Mentor%22")
        check(soon["meetingUrl"] not in open(record).read(), "the one starting soon")
        quit_cleanly(t, ("q", "y", "q"))


@test
def j_joins_the_session_in_progress_before_one_starting_soon():
    j_joins("Kai", 3 * 60, 10 * 60)


@test
def j_joins_a_session_running_over_its_time_and_not_completed():
    """Booked for 60 min from 65 min ago: 5 min over, still running until it is ended;
    the next session is 40 min away (one within 15 min would come first)."""
    j_joins("Lou", 65 * 60, 40 * 60)


@test
def session_flag_opens_the_room_directly():
    mentor, mentee, b = cast_and_book("Bea", start=3600)
    with Term(80, 24) as t:
        # While the server does not answer, the room says it is loading and shows no
        # made-up time (a start time of 0 would read "Started 490000 h ago").
        srv.proc.send_signal(signal.SIGSTOP)
        try:
            start(t, mentor, "--session", b["id"])
            t.wait_for("Loading the session")
            # The timer ticks every second: watch two ticks.
            t.never(re.compile(r"Started \d+|Starts in|elapsed|left"), 2.2)
        finally:
            srv.proc.send_signal(signal.SIGCONT)
        s = t.wait_for("Session 1 with Bea Mentee")
        check("Meeting room" in s.splitlines()[0], s)
        t.wait_for(re.compile(r"Starts in 59:\d\d"))
        check("WHEN" not in t.screen(), "the sessions screen was skipped")
        quit_cleanly(t)  # not joined: q leaves without asking, and with --session it quits


@test
def nothing_but_the_screens_reaches_the_terminal():
    """stderr is the terminal for a user: a library's warning there lands on the screen."""
    mentor, mentee, b = cast_and_book("Ike")
    eq(srv.request("POST", f"/api/sessions/{b['id']}/complete", token=mentor["token"]).status,
       200)
    with Term(80, 24) as t:
        c = Client(srv, mentor["token"], scratch=t.scratch)
        t.run([CLIENT_BIN, "--session", b["id"]], env=c.env, stderr_to_file=False)
        t.wait_for("Session 1 with Ike Mentee")
        t.send_keys("f")
        t.wait_for("How did the session with Ike Mentee go?")
        t.send_keys("5", "C-s")  # sent: a desktop notification is tried, with no D-Bus here
        t.wait_for(lambda s: "Session ended" in s and "How did" not in s)
        t.send_keys("q")
        eq(t.wait_exit(), 0)
        raw = t.raw().decode(errors="replace")
        for word in ("WARNING", "CRITICAL", "libnotify", "GLib", "dheya-meet:"):
            check(word not in raw, f"{word!r} written to the terminal: "
                  f"{raw[max(0, raw.find(word) - 40):raw.find(word) + 120]!r}")


def send_webhook(kind, booking_id):
    body = json.dumps({"id": f"evt-{booking_id}-{kind}", "event": kind, "bookingId": booking_id,
                       "occurredAt": iso(0)}).encode()
    ts = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    r = srv.request("POST", "/api/webhooks/meeting", body=body, headers={
        "x-provider": "jitsi", "x-webhook-timestamp": ts,
        "x-webhook-signature": f"sha256={mac}", "Content-Type": "application/json"})
    eq(r.status, 200, r.body)


@test
def a_meeting_ended_by_webhook_shows_in_the_open_room():
    mentor, mentee, b = cast_and_book("Cy")
    with Term(100, 30) as t:
        start(t, mentor, "--session", b["id"])
        t.wait_for("Session 1 with Cy Mentee")
        t.wait_for("SCHEDULED")
        send_webhook("meeting.ended", b["id"])
        sent = time.monotonic()
        s = t.wait_for("Session ended", timeout=20)
        s = t.wait_for("Rate the session and leave a comment now?", timeout=20)
        took = time.monotonic() - sent
        check(took < 17, f"noticed after {took:.1f} s; the room refreshes every 15 s")
        t.wait_for("COMPLETED")
        t.send_keys("Enter")  # Yes
        t.wait_for("How did the session with Cy Mentee go?")
        quit_cleanly(t, ("Escape", "q"))


def keybar_entries(screen):
    """The function-key bar's entries ("Enter Open", "? Help"...), from the last row."""
    bar = screen.rstrip("\n").splitlines()[-1]
    return [e for e in re.split(r"\s{2,}", bar.strip()) if e]


def help_keys(screen):
    """The key column of the help box ("Enter", "↑/k"...), in order."""
    lines = screen.splitlines()
    # The help box's own corner: other boxes (the comment's frame) may share its top row.
    top = next(i for i, line in enumerate(lines) if "┌─ Keys: " in line)
    x = lines[top].index("┌─ Keys: ")
    keys = []
    for line in lines[top + 1:]:
        if "└" in line:
            break
        inside = line[x + 2:]
        if inside and not inside.startswith(" "):
            keys.append(re.split(r"\s{2,}", inside)[0])
    return keys


def check_help_matches_bar(t, title):
    bar = keybar_entries(t.screen())
    check(len(bar) >= 3, f"a function-key bar: {bar}")
    t.send_keys("?")
    s = t.wait_for(f"Keys: {title}")
    keys = help_keys(s)
    for entry in bar:
        check(any(entry.startswith(k + " ") for k in keys),
              f"the bar's {entry!r} is in the help {keys}")
    check(len(keys) >= len(bar), f"help {keys} has every key of the bar {bar}")
    t.send_keys("Escape")
    t.wait_gone(f"Keys: {title}")


@test
def help_overlay_lists_the_keys_of_the_function_key_bar():
    mentor, mentee, b = cast_and_book("Dee")
    with Term(100, 30) as t:
        start(t, mentor)
        t.wait_for("Dee Mentee")
        check_help_matches_bar(t, "Sessions")
        t.send_keys("Enter")
        t.wait_for("Session 1 with Dee Mentee")
        check_help_matches_bar(t, "Meeting room")
        t.send_keys("f")
        t.wait_for("How did the session with Dee Mentee go?")
        check_help_matches_bar(t, "Feedback")
        quit_cleanly(t, ("Escape", "q", "q"))


@test
def q_in_the_room_asks_first_while_the_meeting_runs():
    mentor, mentee, b = cast_and_book("Eve")
    with Term(80, 24) as t:
        record = start(t, mentor)
        t.wait_for("Eve Mentee")
        t.send_keys("Enter")
        t.wait_for("Session 1 with Eve Mentee")
        t.send_keys("Enter")  # join with items unticked: asks first
        t.wait_for("Join anyway?")
        t.send_keys("y")
        read_record(record)
        t.wait_for(TIMER_RUNNING)
        t.send_keys("q")
        t.wait_for("Leave the room?")
        t.send_keys("n")
        t.wait_gone("Leave the room?")
        s = t.wait_for(TIMER_RUNNING)
        check("Meeting room" in s.splitlines()[0], s)
        t.send_keys("q")
        t.wait_for("Leave the room?")
        t.send_keys("y")
        t.wait_for(re.compile(r"Eve Mentee.*SCHEDULED"))
        check("Sessions" in t.screen().splitlines()[0])
        quit_cleanly(t)


if __name__ == "__main__":
    run()
