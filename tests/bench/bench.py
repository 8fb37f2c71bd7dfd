"""make bench: a performance report, never pass/fail.

Server: requests per second and latency percentiles of the meeting route under concurrent
load, and the server's peak memory. Client: time from exec to a complete `list`, and its
peak memory. The interactive screens' measures (first room frame, bytes per timer tick, idle
CPU, keystroke latency while the server hangs) join this report when the screens exist."""
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, Client, Scratch, Server  # noqa: E402

DURATION = float(os.environ.get("BENCH_SECONDS", "5"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def server_load(srv, token, path):
    latencies = []
    lock = threading.Lock()
    stop = time.monotonic() + DURATION

    def worker():
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        mine = []
        while time.monotonic() < stop:
            t = time.perf_counter()
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                raise SystemExit(f"unexpected {r.status}")
            mine.append(time.perf_counter() - t)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return len(latencies) / elapsed, pct(0.5), pct(0.99), pct(0.999)


def main():
    print(f"dheya bench ({THREADS} client threads, {DURATION:.0f} s per load)\n")
    srv = Server(args=["--rate-limit", "0", "--quiet"])
    mentor = srv.user("Bench Mentor", "mentor")
    mentee = srv.user("Bench Mentee")
    pkg = srv.package()
    ids = [srv.book(mentee, mentor, pkg)["booking"]["id"] for _ in range(50)]
    rps, p50, p99, p999 = server_load(srv, mentor["token"], f"/api/sessions/{ids[0]}/meeting")
    print("server  GET /api/sessions/{id}/meeting")
    print(f"        {rps:8.0f} requests/s   p50 {p50:.2f} ms   p99 {p99:.2f} ms   "
          f"p99.9 {p999:.2f} ms")
    rps, p50, p99, _ = server_load(srv, mentor["token"], "/api/sessions")
    print("server  GET /api/sessions (50 sessions)")
    print(f"        {rps:8.0f} requests/s   p50 {p50:.2f} ms   p99 {p99:.2f} ms")
    print(f"        peak memory {peak_rss_kib(srv.proc.pid) / 1024:.1f} MiB")

    if os.path.exists(CLIENT_BIN):
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
        print("\nclient  dheya-meet list (exec to complete output, 50 sessions)")
        print(f"        median {statistics.median(times) * 1000:.1f} ms   "
              f"max {max(times) * 1000:.1f} ms   peak memory {rss / 1024:.1f} MiB")
    print("\nnot measured yet: first room frame, bytes per timer tick, idle CPU, keystroke "
          "latency (they need the interactive screens)")
    srv.stop()
    Scratch.cleanup_all()


main()
