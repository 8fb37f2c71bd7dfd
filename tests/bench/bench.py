"""make bench: a performance report, never pass/fail.

Server: dheya-server under wrk (a C load generator, so the numbers are the server's and not a
Python client's): the meeting route, the list of 50 sessions and feedback POSTs, each with
requests per second, p50 and p99 latency and errors, then the server's peak memory. Client:
time from exec to a complete `list`, and its peak memory. The interactive screens' measures
(first room frame, bytes per timer tick, idle CPU, keystroke latency while the server hangs)
join this report when the screens exist.

BENCH_SECONDS (5) is the length of each load, BENCH_CONNECTIONS (32) and BENCH_THREADS (2)
are wrk's -c and -t."""
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, Client, Scratch, Server  # noqa: E402

DURATION = float(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
FEEDBACK_BOOKINGS = 50000  # more than a run can use, so every POST is a first feedback

# wrk runs one Lua state per thread. setup() numbers the threads; request() (when the
# script defines one) builds each request; done() prints the totals as one JSON line, so
# nothing depends on the layout of wrk's own report.
LUA_COMMON = """
local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %d, "us": %d, "p50": %d, "p99": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""

# Each request is a mentee's first feedback for the next COMPLETED booking, under a key
# never used before.
LUA_FEEDBACK = """
local n = 0
function request()
  local i = (n * THREADS + tid) % BOOKINGS
  n = n + 1
  return wrk.format("POST", string.format("/api/sessions/bbench%06d/feedback", i),
    {["Authorization"] = "Bearer " .. TOKEN, ["Content-Type"] = "application/json",
     ["Idempotency-Key"] = string.format("bench-%d-%d", tid, n)},
    '{"rating": 4, "comment": "A useful session, thank you"}')
end
"""


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def wrk(srv, scratch, path, token, script=""):
    """Runs wrk against srv for DURATION seconds; returns its totals as a dict."""
    lua = scratch.file("bench.lua")
    with open(lua, "w") as f:
        f.write(f'THREADS = {THREADS}\nBOOKINGS = {FEEDBACK_BOOKINGS}\nTOKEN = "{token}"\n')
        f.write(LUA_COMMON + script)
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION:g}s",
                          "-H", f"Authorization: Bearer {token}", "-s", lua, srv.url + path],
                         capture_output=True, text=True, timeout=DURATION + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise SystemExit(f"wrk gave no totals:\n{out.stdout}\n{out.stderr}")


def report(title, t):
    errors = t["connect"] + t["read"] + t["write"] + t["timeout"] + t["status"]
    print(f"server  {title}")
    print(f"        {t['requests'] / (t['us'] / 1e6):8.0f} requests/s   "
          f"p50 {t['p50'] / 1000:.2f} ms   p99 {t['p99'] / 1000:.2f} ms   "
          f"errors {errors}" + (f" (non-2xx {t['status']}, socket {errors - t['status']})"
                                if errors else ""))


def completed_bookings(db, mentee, mentor, package):
    """Inserts FEEDBACK_BOOKINGS completed bookings straight into the database (the API would
    take minutes to make them, each with its own fsync)."""
    now = int(time.time())
    with sqlite3.connect(db, timeout=30) as c:
        c.executemany(
            "INSERT INTO bookings(id, user_id, mentor_id, package_id, session_number, "
            "scheduled_at, duration, status, meeting_url, provider, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 1, ?, 60, 'COMPLETED', ?, 'jitsi', ?, ?)",
            ((f"bbench{i:06d}", mentee, mentor, package, now - 86400,
              f"https://meet.jit.si/bench-{i}", now, now) for i in range(FEEDBACK_BOOKINGS)))
    c.close()


def server_bench():
    if shutil.which("wrk") is None:
        print("server  not measured: wrk is not installed (apt-get install wrk)\n")
        return None
    print(f"dheya-server under wrk -t{THREADS} -c{CONNECTIONS}, {DURATION:g} s per load\n")
    scratch = Scratch()
    srv = Server(args=["--rate-limit", "0", "--quiet"], scratch=scratch)
    mentor, mentee, pkg = srv.cast("Bench")
    ids = [srv.book(mentee, mentor, pkg)["booking"]["id"] for _ in range(50)]
    report("GET /api/sessions/{id}/meeting",
           wrk(srv, scratch, f"/api/sessions/{ids[0]}/meeting", mentor["token"]))
    report("GET /api/sessions (50 sessions)", wrk(srv, scratch, "/api/sessions",
                                                  mentor["token"]))
    writer, rater, _ = srv.cast("Feedback")
    completed_bookings(srv.db, rater["id"], writer["id"], pkg)
    report("POST /api/sessions/{id}/feedback (each a new key and booking)",
           wrk(srv, scratch, "/api/sessions/bbench000000/feedback", rater["token"],
               LUA_FEEDBACK))
    print(f"        peak memory (VmHWM) {peak_rss_kib(srv.proc.pid) / 1024:.1f} MiB\n")
    return srv, mentor


def client_bench(srv, mentor):
    c = Client(srv, mentor["token"])
    times, rss = [], 0
    for _ in range(20):
        t = time.perf_counter()
        p = subprocess.Popen([CLIENT_BIN, "list"], env=c.env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        times.append(time.perf_counter() - t)
        rss = max(rss, usage.ru_maxrss)
        if status != 0:
            raise SystemExit(f"dheya-meet list failed ({status})")
    print("client  dheya-meet list (exec to complete output, 50 sessions)")
    print(f"        median {statistics.median(times) * 1000:.1f} ms   "
          f"max {max(times) * 1000:.1f} ms   peak memory {rss / 1024:.1f} MiB\n")


def main():
    started = server_bench()
    if started is None:
        srv = Server(args=["--rate-limit", "0", "--quiet"])
        mentor, mentee, pkg = srv.cast("Bench")
        for _ in range(50):
            srv.book(mentee, mentor, pkg)
    else:
        srv, mentor = started
    if os.path.exists(CLIENT_BIN):
        client_bench(srv, mentor)
    print("not measured yet: first room frame, bytes per timer tick, idle CPU, keystroke "
          "latency (they need the interactive screens)")
    srv.stop()
    Scratch.cleanup_all()


main()
