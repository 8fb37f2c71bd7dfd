"""`dheya-meet remind`: reminders at the right minute and once per mark across a restart,
the outbox sent and its delivery told, a clean exit on SIGTERM, exit 4 on a rejected token.
Notifications go to python3-dbusmock on a private D-Bus session bus."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import Client, Scratch, Server, check, eq, run, test, wait_for  # noqa: E402
from notifyd import NotifyBus, Remind  # noqa: E402

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
