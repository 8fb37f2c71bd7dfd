"""Desktop notifications on a private D-Bus session bus with python3-dbusmock's
notification_daemon: the exact texts sent for each kind (reminders, 5 minutes left, time is
up, a participant joined, feedback sent or queued), markup escaped only for a service that
reads markup, the Join action launching the meeting, a service without capabilities still
used, a reminder whose record another process holds sent seconds later, and no bus or a
service that never answers costing nothing. Driven through `dheya-meet remind` (no
terminal), and with the screens open in a real terminal (tmux): keys answered within 100 ms
with no bus, and while a call to a hung service is in flight; the Join action opening the
room."""
import ctypes
import fcntl
import hashlib
import hmac
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (CLIENT_BIN, SANITIZER_REPORT, Client, Scratch, Server,  # noqa: E402
                     browser_recorder, check, eq, read_record, run, test, wait_for)
from notifyd import NotifyBus, Remind  # noqa: E402
from term import Term  # noqa: E402

WEBHOOK_SECRET = "notify-webhook-secret"
srv = Server(env={"WEBHOOK_SECRET": WEBHOOK_SECRET})
pkg = srv.package()
EVIL = '<b>Meera</b> & <a href="https://evil.example/">Co</a> <img src="file:///etc/passwd">'
EVIL_ESCAPED = ("&lt;b&gt;Meera&lt;/b&gt; &amp; &lt;a href=&quot;https://evil.example/&quot;"
                "&gt;Co&lt;/a&gt; &lt;img src=&quot;file:///etc/passwd&quot;&gt;")
_n = [0]


def cast(mentee_name="Meera Nair"):
    """A mentor of their own (so that tests do not see each other's sessions) and a mentee."""
    _n[0] += 1
    mentor = srv.user(f"Mentor {_n[0]}", "mentor", email=f"mentor{_n[0]}@example.com")
    mentee = srv.user(mentee_name, email=f"mentee{_n[0]}@example.com")
    return mentor, mentee


def at(seconds):
    """A whole-second UTC time that many seconds from now, as the platform takes it."""
    t = int(time.time()) + seconds
    return t, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def hhmm(t):
    return time.strftime("%H:%M", time.gmtime(t))


def client(mentor, marks="10", server=srv, scratch=None):
    c = Client(server, mentor["token"], scratch=scratch)
    c.config(f"remind_minutes = {marks}\n")
    return c


def joined_at(c, booking_id, t):
    """Records t as the mentor's join time of the session, as the room's Join does."""
    d = os.path.join(c.env["XDG_STATE_HOME"], "dheya-meet", "joined")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, booking_id), "w") as f:
        f.write(f"{t}\n")


def webhook(event, booking_id, **extra):
    """Sends the platform a signed jitsi webhook event, as the provider would."""
    body = json.dumps({"id": f"evt-{event}-{booking_id}-{time.time()}", "event": event,
                       "bookingId": booking_id, "occurredAt": time.strftime(
                           "%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **extra}).encode()
    ts = str(int(time.time()))
    mac = hmac.new(WEBHOOK_SECRET.encode(), ts.encode() + b"." + body,
                   hashlib.sha256).hexdigest()
    r = srv.request("POST", "/api/webhooks/meeting", body=body, headers={
        "x-provider": "jitsi", "x-webhook-timestamp": ts, "x-webhook-signature":
        f"sha256={mac}", "Content-Type": "application/json"})
    eq(r.status, 200, r.body)


@test
def reminder_has_the_exact_text_with_markup_escaped_and_a_join_action():
    mentor, mentee = cast(EVIL)
    start, when = at(5 * 60 + 40)
    srv.book(mentee, mentor, pkg, when=when, duration=45)
    bus = NotifyBus(Scratch())
    r = Remind(client(mentor), env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
    n = bus.wait_notify(lambda n: n.summary.startswith("Session in"))
    eq(n.summary, "Session in 6 min")
    eq(n.body, f"{EVIL_ESCAPED} \u00b7 Destination Mastery, session 1\n"
               f"{hhmm(start)}\u2013{hhmm(start + 45 * 60)} UTC")
    check("<" not in n.body, n.body)
    eq(n.app_name, "dheya-meet")
    eq(n.actions, {"join": "Join"})
    eq(r.stop()[0], 0)
    eq(len(bus.notifications()), 1, "one reminder for one session and mark")


@test
def join_action_launches_the_meeting_and_records_the_join():
    mentor, mentee = cast()
    start, when = at(3 * 60)
    b = srv.book(mentee, mentor, pkg, when=when)["booking"]
    s = Scratch()
    script, record = browser_recorder(s)
    bus = NotifyBus(s)
    c = client(mentor)
    r = Remind(c, env={"DBUS_SESSION_BUS_ADDRESS": bus.address, "BROWSER": script,
                       "DISPLAY": ":0"})
    n = bus.wait_notify(lambda n: "join" in n.actions)
    bus.invoke(n.id, "join")
    argv = read_record(record)
    eq(argv, [script, b["meetingUrl"] + "#userInfo.displayName=%22Mentor%202%22"])
    joined = os.path.join(c.env["XDG_STATE_HOME"], "dheya-meet", "joined", b["id"])
    check(os.path.exists(joined), "the join time is kept for the room's timer")
    r.wait_log("opened in the browser")
    eq(r.stop()[0], 0)


@test
def a_service_without_markup_or_actions_gets_the_text_as_it_is():
    # "body": plain-text bodies, so nothing is escaped (an escape would show as "&amp;");
    # none at all: a working service still, not one that is unavailable.
    for caps in ("body", ""):
        mentor, mentee = cast(EVIL)
        start, when = at(4 * 60 + 40)
        srv.book(mentee, mentor, pkg, when=when, duration=30)
        bus = NotifyBus(Scratch(), caps=caps)
        r = Remind(client(mentor), env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
        n = bus.wait_notify(lambda n: n.summary.startswith("Session in"))
        eq(n.body, f"{EVIL} \u00b7 Destination Mastery, session 1\n"
                   f"{hhmm(start)}\u2013{hhmm(start + 30 * 60)} UTC", f"caps {caps!r}")
        eq(n.actions, {}, f"caps {caps!r}")
        eq(r.stop()[0], 0)
        check("unavailable" not in r.log(), f"caps {caps!r}: {r.log()}")


@test
def five_minutes_left_then_time_is_up_for_a_session_joined():
    mentor, mentee = cast(EVIL)
    # Booked 15 minutes (the shortest) ending 12 s from now, joined at its start: "5 minutes
    # left" is due at once, "time is up" as the booked time ends.
    start, when = at(12 - 15 * 60)
    end = start + 15 * 60
    b = srv.book(mentee, mentor, pkg, when=when, duration=15)["booking"]
    c = client(mentor)
    joined_at(c, b["id"], start)
    bus = NotifyBus(Scratch())
    r = Remind(c, env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
    n = bus.wait_notify(lambda n: n.summary == "5 minutes left")
    eq(n.body, f"Session 1 with {EVIL_ESCAPED} ends at {hhmm(end)}")
    check(n.time < end, f"sent {n.time - end:.1f} s after the end")
    n = bus.wait_notify(lambda n: n.summary == "Time is up", timeout=30)
    eq(n.body, f"Session 1 with {EVIL_ESCAPED}: the booked 15 min are over")
    check(end < n.time < end + 3, f"sent {n.time - end:+.1f} s from the end")
    eq(n.actions, {})
    eq(r.stop()[0], 0)
    eq([x.summary for x in bus.notifications()], ["5 minutes left", "Time is up"])


class Inotify:
    """Opens of one file, as Linux's inotify reports them (IN_OPEN)."""
    IN_OPEN = 0x20

    def __init__(self, path):
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        check(self.fd >= 0 and libc.inotify_add_watch(self.fd, path.encode(),
                                                      self.IN_OPEN) >= 0, "inotify")

    def opened(self):
        try:
            return len(os.read(self.fd, 4096)) > 0
        except BlockingIOError:
            return False

    def close(self):
        os.close(self.fd)


@test
def a_reminder_whose_record_another_process_holds_goes_out_seconds_later():
    mentor, mentee = cast()
    srv.book(mentee, mentor, pkg, when=at(4 * 60)[1])  # its 10-minute mark is due at once
    c = client(mentor)
    state = os.path.join(c.env["XDG_STATE_HOME"], "dheya-meet")
    os.makedirs(state)
    # Another dheya-meet (the screens, say) holds the record of what was sent.
    lock = open(os.path.join(state, "reminders.lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    opens = Inotify(lock.name)
    bus = NotifyBus(Scratch())
    r = Remind(c, env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
    wait_for(opens.opened, 20, "remind to try the record")  # and be told to come back later
    fcntl.flock(lock, fcntl.LOCK_UN)
    released = time.time()
    # Not at the next mark (3 minutes away) or the next refresh (a minute away).
    n = bus.wait_notify(lambda n: n.summary.startswith("Session in"), timeout=10)
    check(n.time - released < 5, f"sent {n.time - released:.1f} s after the record was free")
    eq(r.stop()[0], 0)
    opens.close()
    lock.close()


@test
def no_session_bus_is_said_once_and_costs_nothing():
    mentor, mentee = cast()
    for minutes in (3, 4):
        srv.book(mentee, mentor, pkg, when=at(minutes * 60)[1])
    s = Scratch()
    r = Remind(client(mentor), env={"DBUS_SESSION_BUS_ADDRESS": "unix:path=" +
                                    s.file("no-bus-here"), "XDG_RUNTIME_DIR": s.path})
    r.wait_log("notified: Session in 4 min")  # the second reminder was handed over
    r.wait_log("desktop notifications are unavailable")
    code, took = r.stop()
    eq(code, 0)
    check(took < 1.0, f"stopping took {took:.2f} s")
    eq(r.log().count("unavailable"), 1, r.log())


@test
def a_service_that_never_answers_is_reported_and_stops_nothing():
    mentor, mentee = cast()
    for minutes in (3, 4):
        srv.book(mentee, mentor, pkg, when=at(minutes * 60)[1])
    bus = NotifyBus(Scratch())
    bus.hang()
    r = Remind(client(mentor), env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
    r.wait_log("notified: Session in 4 min")
    begun = time.monotonic()
    r.wait_log("the notification service does not answer", timeout=10)
    check(time.monotonic() - begun < 6, "said within a few seconds, not after D-Bus's 25 s")
    code, took = r.stop()
    eq(code, 0)
    check(took < 1.0, f"stopping took {took:.2f} s with a call stuck on D-Bus")
    eq(r.log().count("unavailable"), 1, r.log())


def maps_libnotify(pid):
    with open(f"/proc/{pid}/maps") as f:
        return "/libnotify.so" in f.read()


def rate_completed_session(t, c, booking_id):
    """Opens the room of a completed session in t with a notification service, opens the
    feedback form and gives 4 stars; returns the bus. The caller submits."""
    bus = NotifyBus(t.scratch)
    t.run([CLIENT_BIN, "--session", booking_id],
          env={**c.env, "DBUS_SESSION_BUS_ADDRESS": bus.address})
    t.wait_for("COMPLETED")
    t.send_keys("f")
    t.wait_for("How did the session")
    t.send_keys("4")
    return bus


def quit_cleanly(t):
    t.send_keys("q")
    eq(t.wait_exit(), 0)
    check(not SANITIZER_REPORT.search(t.stderr()), t.stderr())


@test
def libnotify_is_loaded_for_the_first_notification_and_not_before():
    mentor, mentee = cast()
    b = srv.book(mentee, mentor, pkg, when=at(-30 * 60)[1])["booking"]
    r = srv.request("POST", f"/api/sessions/{b['id']}/complete", token=mentor["token"])
    eq(r.status, 200, r.body)
    with Term(100, 24) as t:
        bus = rate_completed_session(t, client(mentor), b["id"])
        check(not maps_libnotify(t.pid()), "libnotify mapped with no notification shown")
        t.send_keys("C-s")
        bus.wait_notify(lambda n: n.summary == "Feedback sent")
        check(maps_libnotify(t.pid()), "libnotify loaded for the notification")
        quit_cleanly(t)


def without_libnotify():
    """An environment in which dlopen("libnotify.so.4") fails: a directory first in
    LD_LIBRARY_PATH whose libnotify.so.4 is not a library."""
    s = Scratch()
    with open(s.file("libnotify.so.4"), "w") as f:
        f.write("not a shared library\n")
    return {"LD_LIBRARY_PATH": s.path}


@test
def without_libnotify_remind_says_so_once_and_goes_on():
    mentor, mentee = cast()
    for minutes in (3, 4):
        srv.book(mentee, mentor, pkg, when=at(minutes * 60)[1])
    bus = NotifyBus(Scratch())
    r = Remind(client(mentor), env={**without_libnotify(),
                                    "DBUS_SESSION_BUS_ADDRESS": bus.address})
    r.wait_log("notified: Session in 4 min")  # the second reminder was handed over
    r.wait_log("desktop notifications are unavailable: libnotify is not installed")
    code, took = r.stop()
    eq(code, 0)
    check(took < 1.0, f"stopping took {took:.2f} s")
    eq(r.log().count("unavailable"), 1, r.log())
    eq(bus.notifications(), [], "nothing reached the service")


@test
def no_notify_turns_remind_off():
    mentor, _ = cast()
    c = client(mentor)
    p = c.run("--no-notify", "remind")
    eq(p.returncode, 2, p.err)
    check("notifications are off" in p.err, p.err)
    c.config("notify = no\n")
    p = c.run("remind")
    eq(p.returncode, 2, p.err)


# ---- with the screens open ----

def key_latencies(t, rounds=6):
    """Seconds from each key to the program's answer (Term.answer_time, which leaves out the
    cost of capturing the screen): ? opens the help and Esc closes it, each round, checked
    on the screen."""
    out = []
    for _ in range(rounds):
        out.append(t.answer_time("?"))
        t.wait_for("Keys: Sessions", timeout=5)
        out.append(t.answer_time("Escape"))
        t.wait_gone("Keys: Sessions", timeout=5)
    return out


def keys_for(t, seconds=2.0):
    """key_latencies, round after round, for that long: it spans the client's next ticks
    (once a second), at which it looks at the notification thread."""
    lat = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        lat += key_latencies(t, rounds=1)
    return lat


def report(label, lat):
    worst = max(lat)
    print(f"# {label}: key to answer median {1000 * statistics.median(lat):.0f} ms, max "
          f"{1000 * worst:.0f} ms over {len(lat)} keys", flush=True)
    check(worst < 0.100, f"{label}: a key took {1000 * worst:.0f} ms")


UNAVAILABLE = "Desktop notifications are unavailable"


@test
def keys_are_answered_within_100_ms_without_a_bus():
    # Without a bus a call fails at once (no socket to connect to): nothing stays in
    # flight. The keys are timed once the screen says that notifications are unavailable,
    # that is once libnotify has been loaded and the call made and failed.
    mentor, mentee = cast()
    srv.book(mentee, mentor, pkg, when=at(4 * 60)[1])  # a reminder falls due at once
    with Term(100, 24) as t:
        t.run([CLIENT_BIN], env={**client(mentor).env, "XDG_RUNTIME_DIR": t.scratch.path,
                                 "DBUS_SESSION_BUS_ADDRESS": "unix:path=" +
                                 t.scratch.file("none")})
        t.wait_for("Meera Nair")
        t.wait_for(UNAVAILABLE, timeout=20)
        lat = keys_for(t)
        quit_cleanly(t)
    report("no bus", lat)


@test
def keys_are_answered_within_100_ms_while_the_service_hangs():
    # The keys are timed while a call to the service is on its way and unanswered: seen
    # leaving on the bus (dbus-monitor), and the client waits 25 s (D-Bus's timeout) for it.
    mentor, mentee = cast()
    srv.book(mentee, mentor, pkg, when=at(4 * 60)[1])  # a reminder falls due at once
    with Term(100, 24) as t:
        bus = NotifyBus(t.scratch, monitor=True)
        bus.hang()
        t.run([CLIENT_BIN], env={**client(mentor).env, "DBUS_SESSION_BUS_ADDRESS":
                                 bus.address})
        t.wait_for("Meera Nair")
        stuck = wait_for(bus.pending_calls, 20, "a call to the service")[0]
        lat = keys_for(t)
        # Said once the call has been stuck a few seconds; the keys go on being answered.
        t.wait_for(UNAVAILABLE, timeout=20)
        lat += key_latencies(t)
        check(time.time() - stuck.time < 20,
              f"the keys were timed {time.time() - stuck.time:.1f} s after the call began: "
              "it may have ended (25 s)")
        check(stuck in bus.pending_calls(), "the service answered while stopped")
        quit_cleanly(t)
    # The stuck call did reach the service: once let go, it answers it.
    bus.resume()
    wait_for(lambda: bus.calls(stuck.member), 10, f"{stuck.member} at the service")
    report(f"hung service, {stuck.member} stuck", lat)


@test
def keys_are_answered_as_before_without_libnotify():
    mentor, mentee = cast()
    srv.book(mentee, mentor, pkg, when=at(4 * 60)[1])  # a reminder falls due at once
    with Term(100, 24) as t:
        bus = NotifyBus(t.scratch)
        t.run([CLIENT_BIN], env={**client(mentor).env, **without_libnotify(),
                                 "DBUS_SESSION_BUS_ADDRESS": bus.address})
        t.wait_for("Meera Nair")
        t.wait_for("Desktop notifications are unavailable: libnotify is not installed",
                   timeout=20)
        lat = key_latencies(t)
        quit_cleanly(t)
    eq(bus.notifications(), [], "nothing reached the service")
    report("without libnotify", lat)


def run_with_bus(t, mentor, *args):
    """dheya-meet ARGS in t, with a notification service and the $BROWSER recorder."""
    bus = NotifyBus(t.scratch)
    script, record = browser_recorder(t.scratch)
    t.run([CLIENT_BIN, *args], env={**client(mentor).env, "DBUS_SESSION_BUS_ADDRESS":
                                    bus.address, "BROWSER": script, "DISPLAY": ":0"})
    return bus, record


@test
def join_action_with_the_screens_open_opens_the_room_and_the_meeting():
    mentor, mentee = cast()
    b = srv.book(mentee, mentor, pkg, when=at(3 * 60)[1])["booking"]
    with Term(100, 24) as t:
        bus, record = run_with_bus(t, mentor)
        t.wait_for("Meera Nair")
        n = bus.wait_notify(lambda n: n.summary == "Session in 3 min")
        eq(n.actions, {"join": "Join"})
        bus.invoke(n.id, "join")
        t.wait_for(re.compile(r"Meeting room"))
        check(read_record(record)[1].startswith(b["meetingUrl"]), "the meeting launched")
        t.send_keys("q")
        t.wait_for("Leave the room?")
        t.send_keys("y")
        t.wait_for("Sessions")
        quit_cleanly(t)
    eq(len([x for x in bus.notifications() if x.summary.startswith("Session in")]), 1)


@test
def join_action_for_the_room_already_open_joins_there_instead_of_opening_another():
    mentor, mentee = cast()
    b = srv.book(mentee, mentor, pkg, when=at(3 * 60)[1])["booking"]
    with Term(100, 24) as t:
        bus, record = run_with_bus(t, mentor, "--session", b["id"])
        t.wait_for("Session 1 with Meera Nair")
        t.send_keys("?")
        t.wait_for("Keys: Meeting room")
        n = bus.wait_notify(lambda n: n.summary == "Session in 3 min")
        bus.invoke(n.id, "join")
        check(read_record(record)[1].startswith(b["meetingUrl"]), "the meeting launched")
        t.wait_for(lambda s: "Keys: Meeting room" not in s)  # the help made way
        # One room: leaving it quits, where a second room would have gone back to the first.
        t.send_keys("q")
        t.wait_for("Leave the room?")
        t.send_keys("y")
        eq(t.wait_exit(), 0)
        check(not SANITIZER_REPORT.search(t.stderr()), t.stderr())


@test
def a_participant_joining_is_told_from_the_rooms_refresh():
    mentor, mentee = cast()
    # Booked 13 hours ago: not in the sessions the reminders watch (from 12 hours ago on), so
    # only the room's refresh can tell of the participant.
    b = srv.book(mentee, mentor, pkg, when=at(-13 * 3600)[1])["booking"]
    with Term(100, 24) as t:
        bus, _ = run_with_bus(t, mentor, "--session", b["id"])
        t.wait_for("Session 1 with Meera Nair")
        # The provider tells the platform; the room hears it on its next refresh (F5: now).
        webhook("participant.joined", b["id"], participant={"name": EVIL,
                                                            "email": mentee["email"]})
        t.send_keys("F5")
        t.wait_for("<b>Meera</b> & <a")  # among the room's participants
        n = bus.wait_notify(lambda n: n.summary == "Participant joined")
        eq(n.body, f"{EVIL_ESCAPED} joined the meeting of session 1")
        eq(n.actions, {})
        quit_cleanly(t)
    eq([x.summary for x in bus.notifications()], ["Participant joined"])


@test
def feedback_queued_while_the_platform_is_down_is_a_notification_too():
    down = Server()  # a platform of its own, to stop
    mentor = down.user("Mentor Q", "mentor")
    mentee = down.user(EVIL, email="queued@example.com")
    b = down.book(mentee, mentor, down.package(), when=at(-30 * 60)[1])["booking"]
    down.complete(b["id"], mentor)
    with Term(100, 24) as t:
        c = client(mentor, server=down, scratch=t.scratch)
        bus = rate_completed_session(t, c, b["id"])
        down.stop()
        t.send_keys("C-s")
        n = bus.wait_notify(lambda n: n.summary == "Feedback queued")
        eq(n.body, "The platform cannot be reached; your feedback on the session with "
                   f"{EVIL_ESCAPED} is queued and will be sent.")
        eq(len(c.queued()), 1)
        quit_cleanly(t)
    eq([x.summary for x in bus.notifications()], ["Feedback queued"])


@test
def feedback_sent_is_a_notification_too():
    mentor, mentee = cast(EVIL)
    b = srv.book(mentee, mentor, pkg, when=at(-30 * 60)[1])["booking"]
    r = srv.request("POST", f"/api/sessions/{b['id']}/complete", token=mentor["token"])
    eq(r.status, 200, r.body)
    with Term(100, 24) as t:
        bus = rate_completed_session(t, client(mentor), b["id"])
        t.send_keys("C-s")
        n = bus.wait_notify(lambda n: n.summary == "Feedback sent")
        eq(n.body, f"You rated the session with {EVIL_ESCAPED} 4/5.")
        quit_cleanly(t)


run()
