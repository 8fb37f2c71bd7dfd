"""`dheya-meet remind`: reminders at the right minute and once per mark across a restart,
the Join action asking the platform for the meeting (a link Zoom could not make at booking,
a session cancelled since the list, the platform unreachable or hanging), the outbox sent
and its delivery told, a clean exit on SIGTERM, exit 4 on a rejected token. Notifications
go to python3-dbusmock on a private D-Bus session bus."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (Client, Scratch, Server, browser_recorder, check, eq,  # noqa: E402
                     read_record, run, test, wait_for)
from notifyd import NotifyBus, Remind  # noqa: E402
from standins import Zoom  # noqa: E402

srv = Server()


def at(seconds):
    t = int(time.time()) + seconds
    return t, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


@test
def reminders_fall_at_their_minute_once_across_a_restart():
    mentor, mentee, pkg = srv.cast("Minute")
    start, when = at(100)
    srv.book(mentee, mentor, pkg, when=when)
    bus = NotifyBus(Scratch())
    c = Client(srv, mentor["token"])
    c.config("remind_minutes = 2, 1\n")
    env = {"DBUS_SESSION_BUS_ADDRESS": bus.address}
    first = Remind(c, env=env)
    # The 2-minute mark is already due: sent at once.
    bus.wait_notify(lambda n: n.summary == "Session in 2 min")
    eq(first.stop()[0], 0)
    second = Remind(c, env=env)
    second.wait_log("1 session loaded")
    # The 1-minute mark falls 60 s before the start, not before.
    n = bus.wait_notify(lambda n: n.summary == "Session in 1 min", timeout=70)
    check(start - 60 <= n.time < start - 60 + 3,
          f"sent {n.time - (start - 60):+.1f} s from the 1-minute mark")
    eq([x.summary for x in bus.notifications()], ["Session in 2 min", "Session in 1 min"],
       "each mark once, also across the restart")
    eq(second.stop()[0], 0)


def remind_with_browser(server, mentor, label):
    """remind for mentor with the $BROWSER recorder and a display; a reminder is due at
    once for a session booked 3 min from now. Returns (bus, remind, browser record)."""
    s = Scratch()
    script, record = browser_recorder(s)
    bus = NotifyBus(s)
    c = Client(server, mentor["token"], scratch=s)
    c.config("remind_minutes = 10\n")
    r = Remind(c, env={"DBUS_SESSION_BUS_ADDRESS": bus.address, "BROWSER": script,
                       "DISPLAY": ":0"})
    return bus, r, record, c


def refusal(bus, label):
    return bus.wait_notify(lambda n: n.summary.startswith("Cannot join"),
                           what=f"the notification saying why {label} was not joined")


@test
def join_asks_the_platform_for_a_link_zoom_could_not_make_at_booking():
    """The booking was made while Zoom failed: the list has no link. Join asks the meeting
    route, which asks Zoom again: while Zoom still fails a notification says why nothing
    opened; once Zoom answers, the next Join opens the meeting it made."""
    zoom = Zoom()
    zsrv = Server(args=["--quiet"], env={
        "MEETING_PROVIDER": "zoom", "ZOOM_ACCOUNT_ID": zoom.account,
        "ZOOM_CLIENT_ID": zoom.client, "ZOOM_CLIENT_SECRET": zoom.secret,
        "ZOOM_API_URL": zoom.url + "/v2", "ZOOM_OAUTH_URL": zoom.url + "/oauth/token",
        "MEETING_PROVIDER_TIMEOUT": "5"})
    mentor, mentee, pkg = zsrv.cast("Zed")
    zoom.fault("POST", r"/v2/users/me/meetings", "status", 503, count=100)
    _, when = at(3 * 60)
    b = zsrv.book(mentee, mentor, pkg, when=when)["booking"]
    eq(b["meetingUrl"], None)
    bus, r, record, c = remind_with_browser(zsrv, mentor, "Zed")
    n = bus.wait_notify(lambda n: "join" in n.actions)
    asked = zoom.count("POST", r"/v2/users/me/meetings")
    bus.invoke(n.id, "join")
    no = refusal(bus, "Zed")
    eq(no.summary, "Cannot join the session with Zed Mentee")
    check(no.body.startswith("The meeting link is not ready yet (zoom: 503"), no.body)
    check(zoom.count("POST", r"/v2/users/me/meetings") > asked, "Join asked Zoom again")
    check(not os.path.exists(record), "nothing launched")
    joined = os.path.join(c.env["XDG_STATE_HOME"], "dheya-meet", "joined", b["id"])
    check(not os.path.exists(joined), "not joined: no join time")
    zoom.clear_faults()
    bus.invoke(n.id, "join")
    argv = read_record(record)
    eq(argv[1:], [zoom.created[-1]["join_url"]], "the meeting Zoom made on this Join")
    check(re.fullmatch(r"https://us05web\.zoom\.us/j/\d+.*", argv[1]), argv)
    r.wait_log("opened in the browser")  # said once the join time is kept
    check(os.path.exists(joined), "the join time is kept for the room's timer")
    eq(r.stop()[0], 0)
    zsrv.stop()
    zoom.close()
    eq(zoom.violations, [])


@test
def join_of_a_session_cancelled_since_the_list_says_so_and_opens_nothing():
    mentor, mentee, pkg = srv.cast("Cal")
    _, when = at(3 * 60)
    b = srv.book(mentee, mentor, pkg, when=when)["booking"]
    check(b["meetingUrl"], "the list has a link")
    bus, r, record, _ = remind_with_browser(srv, mentor, "Cal")
    n = bus.wait_notify(lambda n: "join" in n.actions)
    cancel = srv.request("POST", f"/api/bookings/{b['id']}/cancel", token=mentee["token"])
    eq(cancel.status, 200, cancel.body)
    bus.invoke(n.id, "join")
    no = refusal(bus, "Cal")
    eq((no.summary, no.body), ("Cannot join the session with Cal Mentee",
                               "This session was cancelled; there is no meeting to join."))
    eq(no.actions, {})
    check(not os.path.exists(record), "the cancelled meeting's link is not opened")
    r.wait_log("this session was cancelled")
    eq(r.stop()[0], 0)


@test
def join_with_the_platform_unreachable_opens_the_link_from_the_list():
    """The meeting runs at the provider: a platform that cannot be reached at the moment of
    Join does not keep the mentor out when the last list had the link."""
    s = Server()
    mentor, mentee, pkg = s.cast("Una")
    _, when = at(3 * 60)
    b = s.book(mentee, mentor, pkg, when=when)["booking"]
    bus, r, record, _ = remind_with_browser(s, mentor, "Una")
    n = bus.wait_notify(lambda n: "join" in n.actions)
    s.stop()
    bus.invoke(n.id, "join")
    eq(read_record(record)[1], b["meetingUrl"] + "#userInfo.displayName=%22Una%20Mentor%22")
    r.wait_log("opening the link from the last list")
    eq([x.summary for x in bus.notifications() if x.summary.startswith("Cannot")], [])
    eq(r.stop()[0], 0)


@test
def sigterm_with_a_join_waiting_for_the_platform_ends_it_at_once():
    """Join asks the meeting route on the engine, never blocking the loop: with that answer
    hanging, SIGTERM still ends remind at once, the waiting Join dropped cleanly."""
    import responder
    mentor, mentee, pkg = srv.cast("Hal")
    _, when = at(3 * 60)
    srv.book(mentee, mentor, pkg, when=when)
    platform = responder.Responder()
    platform.route("/api/sessions", responder.answer(
        200, srv.request("GET", "/api/sessions", token=mentor["token"]).body))
    platform.route_prefix("/api/sessions/", responder.hang)
    s = Scratch()
    bus = NotifyBus(s)
    c = Client(srv, mentor["token"], scratch=s)
    c.config("remind_minutes = 10\n")
    r = Remind(c, env={"DBUS_SESSION_BUS_ADDRESS": bus.address,
                       "DHEYA_API_URL": platform.url})
    n = bus.wait_notify(lambda n: "join" in n.actions)
    bus.invoke(n.id, "join")
    wait_for(lambda: any(p.startswith("/api/sessions/") for p, _ in platform.requests), 10,
             "Join to ask the meeting route")
    r.wait_log("asking the platform for the meeting")
    code, took = r.stop()
    eq(code, 0)
    check(took < 1.0, f"stopping took {took:.2f} s")
    platform.close()


@test
def queued_submissions_are_sent_and_their_delivery_told():
    s = Server()
    mentor, mentee, pkg = s.cast("Outbox")
    b = s.book(mentee, mentor, pkg)["booking"]
    c = Client(s, mentor["token"])
    s.stop()
    p = c.run("complete", b["id"])
    eq(p.returncode, 0, p.err)
    eq(len(c.queued()), 1, "queued while the platform is down")
    s.start(s.port)
    bus = NotifyBus(Scratch())
    r = Remind(c, env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
    n = bus.wait_notify(lambda n: n.summary == "Queued submissions delivered")
    eq(n.body, "1 queued submission sent to the platform.")
    eq(c.queued(), [])
    got = s.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentor["token"]).json()
    eq(got["booking"]["status"], "COMPLETED")
    eq(r.stop()[0], 0)


@test
def sigterm_ends_it_at_once_even_mid_request():
    mentor, _, _ = srv.cast("Term")
    # A platform that accepts the connection and never answers: the refresh hangs.
    import socket
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    c = Client(srv, mentor["token"])
    bus = NotifyBus(Scratch())
    r = Remind(c, env={"DBUS_SESSION_BUS_ADDRESS": bus.address,
                       "DHEYA_API_URL": f"http://127.0.0.1:{hang.getsockname()[1]}"})
    r.wait_log("watching the sessions")
    wait_for(lambda: hang.accept(), 10, "the refresh to connect")
    code, took = r.stop()
    eq(code, 0)
    check(took < 1.0, f"stopping took {took:.2f} s")
    check("stopping (signal 15)" in r.log(), r.log())
    hang.close()


@test
def a_rejected_token_ends_it_with_status_4():
    c = Client(srv, "not-a-token")
    bus = NotifyBus(Scratch())
    r = Remind(c, env={"DBUS_SESSION_BUS_ADDRESS": bus.address})
    wait_for(lambda: r.proc.poll() is not None, 20, "remind to exit")
    eq(r.proc.returncode, 4, r.log())
    check("rejected the token" in r.log(), r.log())


run()
