"""dheya-server's HTTP front end against the audit's findings (issue 6): trickling clients,
client text in the log and in routes, and rate limits for requests without a valid token."""
import os
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import Server, check, eq, run, test, wait_for  # noqa: E402

TIMEOUT = 3  # --timeout for the trickle tests, in seconds
SLACK = 1.5  # how late past the bound a connection may be closed


class Trickle:
    """Connections that each send prefix one byte at a time, every interval seconds, then
    padding forever, so that no request is ever complete; records when the server closes
    each."""

    def __init__(self, socks, opened=None,
                 prefix=b"GET /api/sessions HTTP/1.1\r\nHost: x\r\nX-Trickle: ", interval=1.0):
        self.prefix, self.interval, self.socks = prefix, interval, socks
        self.opened = opened or [time.monotonic()] * len(socks)
        self.closed, self.sent = [None] * len(socks), [0] * len(socks)
        self.sel = selectors.DefaultSelector()
        for i, s in enumerate(socks):
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, i)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    @classmethod
    def connect(cls, srv, count, sources=("127.0.0.1",)):
        """Trickles on count new connections to srv, spread over the source addresses."""
        socks, opened = [], []
        for i in range(count):
            s = socket.socket()
            s.bind((sources[i % len(sources)], 0))
            s.connect((srv.host, srv.port))
            socks.append(s)
            opened.append(time.monotonic())
        return cls(socks, opened)

    def _close(self, i):
        if self.closed[i] is None:
            self.closed[i] = time.monotonic()
            self.sel.unregister(self.socks[i])

    def _send_round(self):
        for i, s in enumerate(self.socks):
            if self.closed[i] is not None:
                continue
            n = self.sent[i]
            byte = self.prefix[n:n + 1] or b"a"
            try:
                s.send(byte)
                self.sent[i] += 1
            except BlockingIOError:
                pass
            except OSError:
                self._close(i)

    def _run(self):
        next_send = time.monotonic()
        while not self.stopping.is_set() and self.open_count():
            if time.monotonic() >= next_send:
                self._send_round()
                next_send += self.interval
            for key, _ in self.sel.select(timeout=max(0.0, next_send - time.monotonic())):
                try:
                    data = key.fileobj.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self._close(key.data)

    def open_count(self):
        return sum(1 for c in self.closed if c is None)

    def lifetimes(self):
        """Seconds from connect to close, per connection (None: still open)."""
        return [c - o if c is not None else None for o, c in zip(self.opened, self.closed)]

    def stop(self):
        self.stopping.set()
        self.thread.join()
        for s in self.socks:
            s.close()
        self.sel.close()


def timed_request(srv, token, source):
    start = time.monotonic()
    r = srv.request("GET", "/api/sessions", token=token, source=source, timeout=5)
    return r.status, time.monotonic() - start


def served_promptly_while(srv, token, trickle, source):
    """Three requests a second apart while the trickle runs: each answered within 1 s."""
    for _ in range(3):
        check(trickle.open_count() > 0, "the trickle is still running")
        status, took = timed_request(srv, token, source)
        eq(status, 200, "a normal request during the trickle")
        check(took < 1.0, f"answered in {took:.2f} s during the trickle")
        time.sleep(1)


def all_closed_within_the_bound(trickle):
    wait_for(lambda: trickle.open_count() == 0, TIMEOUT + SLACK + 2,
             "every trickling connection to be closed")
    longest = max(trickle.lifetimes())
    check(longest <= TIMEOUT + SLACK, f"a trickling connection lived {longest:.2f} s")


@test
def trickling_connections_from_one_address_are_cut_and_others_served():
    srv = Server(args=["--timeout", str(TIMEOUT)])
    u = srv.user("Trickle One", "mentor")
    trickle = Trickle.connect(srv, 512)
    try:
        # The normal client shares the tricklers' address: the per-address limit closes the
        # connection that has waited longest for its request, never the newcomer.
        served_promptly_while(srv, u["token"], trickle, "127.0.0.1")
        all_closed_within_the_bound(trickle)
    finally:
        trickle.stop()
    eq(srv.stop(), 0)


@test
def trickling_connections_from_many_addresses_live_until_the_bound():
    srv = Server(args=["--timeout", str(TIMEOUT)])
    u = srv.user("Trickle Many", "mentor")
    sources = [f"127.0.0.{i}" for i in range(2, 10)]  # 8 x 64: every connection slot
    trickle = Trickle.connect(srv, 512, sources)
    try:
        served_promptly_while(srv, u["token"], trickle, "127.0.0.1")
        all_closed_within_the_bound(trickle)
    finally:
        trickle.stop()
    # Each normal request may have taken one trickler's slot; the others met the bound.
    early = [t for t in trickle.lifetimes() if t < TIMEOUT - 0.5]
    check(len(early) <= 3, f"{len(early)} trickling connections closed before the bound")
    eq(srv.stop(), 0)


@test
def a_trickled_body_is_cut_at_the_bound():
    srv = Server(args=["--timeout", str(TIMEOUT)])
    u = srv.user("Trickle Body", "mentor")
    head = (f"POST /api/bookings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {u['token']}\r\n"
            "Content-Length: 200\r\n\r\n").encode()
    s = socket.create_connection((srv.host, srv.port))
    s.sendall(head)
    body = Trickle([s], prefix=b"{\"notes\": \"", interval=0.5)
    try:
        all_closed_within_the_bound(body)
        check(body.sent[0] >= 2 * TIMEOUT - 1, "the body kept arriving until the end")
    finally:
        body.stop()
    eq(srv.stop(), 0)


@test
def a_kept_alive_connection_gets_the_bound_for_its_next_request():
    srv = Server(args=["--timeout", str(TIMEOUT)])
    u = srv.user("Keep Alive", "mentor")
    s = socket.create_connection((srv.host, srv.port), timeout=5)
    s.sendall(f"GET /api/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {u['token']}"
              "\r\n\r\n".encode())
    got = b""
    while not (b"\r\n\r\n" in got and got.endswith(b"}\n")):
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    check(got.startswith(b"HTTP/1.1 200"), got)
    # The next request trickles in: the bound counts from the end of the previous answer.
    nxt = Trickle([s], [time.monotonic()], interval=0.5)
    try:
        all_closed_within_the_bound(nxt)
    finally:
        nxt.stop()
    check(nxt.lifetimes()[0] >= TIMEOUT - 0.5, f"closed after {nxt.lifetimes()[0]:.2f} s")
    eq(srv.stop(), 0)


def raw_exchange(srv, data):
    """Sends data on a new connection and returns everything the server answers."""
    with socket.create_connection((srv.host, srv.port), timeout=5) as s:
        s.sendall(data)
        got = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return got
            got += chunk


@test
def the_method_is_escaped_in_the_log_and_the_answer():
    srv = Server()
    got = raw_exchange(srv, b"\x1b]0;pwned\x07 /api/x HTTP/1.1\r\nHost: x\r\n"
                            b"Connection: close\r\n\r\n")
    check(got.startswith(b"HTTP/1.1 404"), got)
    check(b"\x1b" not in got and b"\x07" not in got, got)
    log = wait_for(lambda: "pwned" in srv.stderr() and srv.stderr(), what="the log line")
    check("\x1b" not in log and "\x07" not in log, repr(log))
    check("\\x1b]0;pwned\\x07 /api/x -> 404" in log, log)
    eq(srv.stop(), 0)


@test
def a_nul_in_the_url_is_refused_not_cut_short():
    srv = Server()
    u = srv.user("Nul Mentor", "mentor")
    for path in ("/api/sessions%00/x", "/api/sessions%00", "/api/sessions?from=%00x",
                 "/api/sessions/b1%00/meeting"):
        r = srv.request("GET", path, token=u["token"])
        eq(r.status, 400, path)
        check("NUL" in r.json()["error"], r.body)
    check("/api/sessions\\x00/x -> 400" in srv.stderr(), srv.stderr())
    r = srv.request("GET", "/api/sessions%2500", token=u["token"])
    eq(r.status, 404, "an escaped '%' is no NUL")
    eq(srv.request("GET", "/api/sessions", token=u["token"]).status, 200)
    eq(srv.stop(), 0)


@test
def a_path_that_is_not_utf8_gets_a_json_404():
    srv = Server()
    r = srv.request("GET", "/api/%ff%1b")
    eq(r.status, 404, r.body)
    eq(r.json()["error"], "no route GET /api/\\xff\\x1b")
    eq(srv.stop(), 0)


@test
def requests_without_a_valid_token_are_limited_per_address():
    srv = Server(args=["--rate-limit", "10"])
    u = srv.user("Limited Mentor", "mentor")
    bad = [srv.request("GET", "/api/sessions", token="0" * 64) for _ in range(30)]
    statuses = [r.status for r in bad]
    eq(statuses[:10], [401] * 10, "the first ten are answered")
    check(statuses.count(429) >= 18, statuses)
    limited = next(r for r in bad if r.status == 429)
    check(int(limited.headers["retry-after"]) >= 1, limited.headers)
    check("error" in limited.json())
    # No token, or no such route, counts the same; a valid token is limited per user only.
    eq(srv.request("GET", "/api/sessions").status, 429)
    eq(srv.request("GET", "/nowhere").status, 429)
    eq(srv.request("GET", "/api/sessions", token=u["token"]).status, 200)
    eq(srv.request("GET", "/api/sessions", token="0" * 64, source="127.0.0.2").status, 401,
       "another address is not limited")
    eq(srv.stop(), 0)


run()
