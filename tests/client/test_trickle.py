"""HARDENING item 11: an answer trickled one byte every 10 s (after its headers, or from its
first byte), and a connect that stalls (a listener whose backlog is full). The commands give
up within their bound (timeout_seconds, connect_timeout_seconds; 15 s by default) and say
why; the room says it is offline, retries by itself, and answers keys all along."""
import os
import re
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, Client, Server, check, eq, run, test  # noqa: E402
import responder as R  # noqa: E402
from term import Term  # noqa: E402

SLACK = 2.0       # seconds past a bound that a process may take to report it
KEY_BUDGET = 0.1  # seconds from a key to the screen showing its effect
BYTE_EVERY = 10   # seconds between two trickled bytes

srv = Server()
resp = R.Responder()
mentor, mentee, pkg = srv.cast("Tr")
booking = srv.book(mentee, mentor, pkg, when=time.strftime(
    "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1800)))["booking"]
BID = booking["id"]
# The platform's real answers, for the responder to trickle.
MEETING = srv.request("GET", f"/api/sessions/{BID}/meeting", token=mentor["token"]).body
SESSIONS = srv.request("GET", "/api/sessions", token=mentor["token"]).body


def client(prefix, config="timeout_seconds = 3\nconnect_timeout_seconds = 2\n"):
    c = Client(None, "tok")
    c.env["DHEYA_API_URL"] = resp.url + prefix
    if config:
        c.config(config)
    return c


def gives_up(c, args, bound, said):
    """Runs dheya-meet ARGS; it must fail, saying `said`, after at most bound + SLACK s."""
    r = c.run(*args)
    eq(r.returncode, 1, f"{args}: {r.err}")
    check(said in r.err, f"{args}: {r.err!r}")
    check(r.elapsed < bound + SLACK, f"{args}: gave up after {r.elapsed:.1f} s, bound {bound}")
    print(f"# {' '.join(args)}: gave up after {r.elapsed:.1f} s (bound {bound} s)", flush=True)
    return r


@test
def a_trickled_answer_ends_at_the_configured_timeout():
    # Faster than 1 byte per 10 s, so that bytes keep coming within the bound: no idle
    # timer would ever fire; the bound on the whole request must.
    for prefix, head_too in (("/body", False), ("/head", True)):
        for args in (["list"], ["show", BID]):
            h = R.trickle(SESSIONS if args == ["list"] else MEETING, 0.5, head_too)
            resp.route(f"{prefix}/api/sessions", h)
            resp.route(f"{prefix}/api/sessions/{BID}/meeting", h)
            said = f"timed out waiting for 127.0.0.1 port {resp.port} to answer (after 3 s)"
            r = gives_up(client(prefix), args, 3, said)
            check(r.elapsed > 2.5, f"{args}: not before the bound ({r.elapsed:.1f} s)")
            check(h.sent >= 3, f"{args}: only {h.sent} bytes trickled")


@test
def one_byte_per_10_s_ends_at_the_default_timeout():
    h = R.trickle(SESSIONS, BYTE_EVERY)
    resp.route("/default/api/sessions", h)
    gives_up(client("/default", config=None), ["list"], 15,
             f"timed out waiting for 127.0.0.1 port {resp.port} to answer (after 15 s)")
    eq(h.sent, 1, "the byte at 10 s went out")


class Stalled:
    """A listener that accepts nothing, its backlog filled: a connect to it neither
    succeeds nor fails (Linux drops the SYN), as with a host that does not answer."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.fillers = []
        for _ in range(4):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", self.port))
            self.fillers.append(f)

    def close(self):
        for f in self.fillers:
            f.close()
        self.sock.close()


def title(s):
    return s.splitlines()[0] if s else ""


def status(s):
    lines = s.splitlines()
    return lines[-2] if len(lines) >= 2 else ""


def timed_keys(t, label, rounds=4):
    """The help opened and closed, each key timed from sending to the screen changing."""
    took = []
    for _ in range(rounds):
        for key, shown in (("?", True), ("Escape", False)):
            begun = time.monotonic()
            t.send_keys(key)
            while ("Keys: Meeting room" in t.screen()) != shown:
                if time.monotonic() - begun > 5:
                    raise AssertionError(f"{label}: no answer to {key}: {t.screen()}")
            took.append(time.monotonic() - begun)
    print(f"# {label}: key to screen median {1000 * statistics.median(took):.0f} ms, "
          f"max {1000 * max(took):.0f} ms over {len(took)} keys", flush=True)
    check(max(took) < KEY_BUDGET, f"{label}: a key took {1000 * max(took):.0f} ms")


OFFLINE = re.compile(r"offline, retrying in \d+ s")


@test
def the_room_goes_offline_and_answers_keys_while_the_answer_trickles():
    switch = R.Switch(R.answer(200, MEETING))
    resp.route(f"/room/api/sessions/{BID}/meeting", switch)
    with Term(80, 24) as t:
        c = client("/room")
        t.run([CLIENT_BIN, "--session", BID], env=c.env)
        t.wait_for("Session 1 with Tr Mentee")
        switch.set(R.trickle(MEETING, BYTE_EVERY))
        t.send_keys("F5")
        asked = time.monotonic()
        t.wait_for(lambda s: "awaiting an answer" in title(s), timeout=5)
        timed_keys(t, "answer trickling")
        s = t.wait_for(lambda s: OFFLINE.search(title(s)), timeout=3 + SLACK)
        took = time.monotonic() - asked
        print(f"# the room said offline {took:.1f} s after F5 (bound 3 s)", flush=True)
        check(took < 3 + SLACK, f"offline after {took:.1f} s")
        check("Session 1 with Tr Mentee" in s, f"the room stays: {s}")
        s = t.wait_for(lambda s: "Cannot load the session" in status(s), timeout=5)
        check("timed out" in status(s), status(s))
        timed_keys(t, "offline, retries trickling too")
        switch.set(R.answer(200, MEETING))
        t.wait_for("The platform answers again", timeout=30)
        t.wait_for(lambda s: "offline" not in title(s))
        t.send_keys("q")
        eq(t.wait_exit(), 0)


@test
def the_room_answers_keys_while_a_connect_stalls():
    stalled = Stalled()
    try:
        # The command first: it gives up at the connect timeout.
        c = Client(None, "tok")
        c.env["DHEYA_API_URL"] = f"http://127.0.0.1:{stalled.port}"
        c.config("connect_timeout_seconds = 1\ntimeout_seconds = 3\nretries = 0\n")
        gives_up(c, ["show", BID], 1,
                 f"timed out connecting to 127.0.0.1 port {stalled.port} (after 1 s)")
        with Term(80, 24) as t:
            started = time.monotonic()
            t.run([CLIENT_BIN, "--session", BID], env=c.env)
            t.wait_for("Loading the session")
            timed_keys(t, "connect stalled")
            s = t.wait_for(lambda s: OFFLINE.search(title(s)), timeout=1 + SLACK)
            print(f"# the room said offline {time.monotonic() - started:.1f} s after start "
                  f"(connect bound 1 s)", flush=True)
            s = t.wait_for(lambda s: "timed out connecting" in status(s), timeout=5)
            timed_keys(t, "offline, connect stalled")
            t.send_keys("q")
            eq(t.wait_exit(), 0)
    finally:
        stalled.close()


run()
