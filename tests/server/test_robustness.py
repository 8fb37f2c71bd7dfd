"""dheya-server under hostile or failing conditions: slow clients, floods from one address,
lying Content-Length, a locked database, a full disk, concurrent clients."""
import concurrent.futures
import os
import resource
import signal
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import Server, check, eq, run, test, wait_for  # noqa: E402


def closed_by_server(sock, timeout):
    """True once the server has closed sock (recv returns EOF) within timeout seconds."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except OSError:
        return True


@test
def slow_loris_connections_time_out_and_others_are_served():
    srv = Server(args=["--timeout", "2"])
    u = srv.user("Slow Test", "mentor")
    slow = []
    for _ in range(10):
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(b"GET /api/sessions HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        slow.append(s)
    start = time.monotonic()
    eq(srv.request("GET", "/api/sessions", token=u["token"], timeout=5).status, 200,
       "served while ten slow clients hang")
    check(time.monotonic() - start < 1.5, "served promptly")
    for s in slow:
        check(closed_by_server(s, 8), "slow connection closed")
        s.close()
    check(time.monotonic() - start < 8, "closed within the timeout bound")
    eq(srv.stop(), 0)


@test
def lying_content_length_times_out():
    srv = Server(args=["--timeout", "2"])
    u = srv.user("Liar Test", "mentor")
    s = socket.create_connection((srv.host, srv.port))
    s.sendall(f"POST /api/bookings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {u['token']}"
              "\r\nContent-Length: 1000\r\n\r\n{\"a\":".encode())
    start = time.monotonic()
    s.settimeout(8)
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    check(b" 201 " not in data and b" 200 " not in data, data)
    check(time.monotonic() - start < 6, "closed by the connection timeout")
    srv.stop()


@test
def one_address_cannot_take_every_connection():
    srv = Server(args=["--max-connections", "40", "--timeout", "30"])
    u = srv.user("Flood Test", "mentor")
    flood = []
    for _ in range(30):
        try:
            flood.append(socket.create_connection((srv.host, srv.port), timeout=2))
        except OSError:
            break
    r = srv.request("GET", "/api/sessions", token=u["token"], source="127.0.0.2", timeout=5)
    eq(r.status, 200, "another client address is still served")
    # Past the per-address limit the server closes new connections from the flooding address.
    refused = 0
    for s in flood:
        s.settimeout(0.5)
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            if not s.recv(1):
                refused += 1
        except OSError:
            refused += 1
    check(refused >= 5, f"{refused} of 30 flooding connections were refused")
    for s in flood:
        s.close()
    srv.stop()


@test
def concurrent_clients_are_all_answered():
    srv = Server()
    mentor, mentee, pkg = srv.cast("Busy")
    bid = srv.book(mentee, mentor, pkg)["booking"]["id"]

    def hit(i):
        who = mentor if i % 2 else mentee
        return srv.request("GET", f"/api/sessions/{bid}/meeting", token=who["token"]).status

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        statuses = list(ex.map(hit, range(200)))
    eq(statuses, [200] * 200)
    srv.stop()


@test
def a_locked_database_answers_503_not_a_hang():
    srv = Server()
    mentor, mentee, pkg = srv.cast("Lock")
    bid = srv.book(mentee, mentor, pkg)["booking"]["id"]
    holder = sqlite3.connect(srv.db, isolation_level=None, timeout=1)
    holder.execute("BEGIN EXCLUSIVE")
    start = time.monotonic()
    r = srv.request("POST", f"/api/sessions/{bid}/complete", token=mentor["token"], timeout=20)
    holder.execute("ROLLBACK")
    holder.close()
    eq(r.status, 503, r.body)
    check("busy" in r.json()["error"], r.body)
    eq(r.headers.get("retry-after"), "1")
    check(time.monotonic() - start < 10, "bounded by the busy timeout")
    r = srv.request("GET", f"/api/sessions/{bid}/meeting", token=mentor["token"])
    eq(r.json()["booking"]["status"], "SCHEDULED", "nothing half-written")
    eq(srv.request("POST", f"/api/sessions/{bid}/complete", token=mentor["token"]).status, 200)
    srv.stop()


@test
def a_full_disk_answers_500_and_keeps_what_was_acknowledged():
    srv = Server()
    mentor, mentee, pkg = srv.cast("Disk")
    srv.stop()
    limit = os.path.getsize(srv.db) + 256 * 1024

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    srv.preexec = small_disk
    srv.start()
    created, failures = 0, []
    for i in range(400):
        r = srv.request("POST", "/api/bookings", token=mentee["token"], body={
            "mentorId": mentor["id"], "packageId": pkg, "sessionNumber": 1,
            "scheduledAt": "2030-01-01T10:00:00Z", "notes": f"{i} " + "n" * 4900})
        if r.status == 201:
            created += 1
        else:
            failures.append(r)
            break
    check(failures, "the disk filled up")
    eq(failures[0].status, 500, failures[0].body)
    check("error" in failures[0].json())
    r = srv.request("GET", "/api/sessions?from=2029-01-01T00:00:00Z", token=mentee["token"])
    eq(r.status, 200, "reads go on")
    eq(len(r.json()["sessions"]), created, "every acknowledged booking, and no other")
    srv.stop()
    with sqlite3.connect(srv.db) as c:
        eq(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        eq(c.execute("SELECT count(*) FROM bookings").fetchone()[0], created)


@test
def the_request_log_escapes_what_clients_send():
    srv = Server()
    eq(srv.request("GET", "/api/%1b]0;pwned%07/%c2%9b").status, 404)
    log = wait_for(lambda: "pwned" in srv.stderr() and srv.stderr(), what="the log line")
    check("\x1b" not in log and "\x07" not in log and "\x9b" not in log, repr(log))
    check("\\x1b]0;pwned\\x07" in log, log)
    srv.stop()


@test
def sigterm_stops_cleanly_while_requests_run():
    srv = Server()
    u = srv.user("Stop Mentor", "mentor")
    stop = threading.Event()

    def load():
        while not stop.is_set():
            try:
                srv.request("GET", "/api/sessions", token=u["token"], timeout=2)
            except OSError:
                pass

    t = threading.Thread(target=load)
    t.start()
    wait_for(lambda: "GET /api/sessions" in srv.stderr(), what="load started")
    code = srv.stop()
    stop.set()
    t.join()
    eq(code, 0)


run()
