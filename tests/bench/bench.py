"""make bench: a performance report, never pass/fail. Each figure is measured in this run
beside its reference and printed beside its target; figures from several runs are medians.
The conditions (CPUs, load average at the start and the end) are printed too: other work on
the machine shows in the wall times first, less in the CPU times.

Client: dheya-meet in a pseudo-terminal this script opens (80x24, TERM=xterm-256color), so
that every byte it writes is timestamped as it arrives.
- Exec to the first complete room frame (`dheya-meet --session ID`), beside the floor,
  tests/bench/floor.c: a program that only initialises ncurses, makes one GET of the meeting
  route with libcurl and draws one frame. The room's frame is complete when the text it
  draws lowest on the screen (the end of the session notes, in the sidebar) has arrived with
  the meeting URL and the key bar; the floor's when its key line, drawn last, has. BENCH_RUNS
  runs each, the two programs taking turns. Beside it: the CPU time each had used by then,
  and the cost of loading the libraries alone (exec to exit of `dheya-meet --version`, and
  of the floor's usage message).
- Peak memory (VmHWM): in the room after the idle minute and the keys, at the first frame,
  and of `dheya-meet list`, beside the floor's; then what each mapped object costs, client
  beside floor, from /proc/PID/smaps.
- Bytes written to the terminal per timer tick and CPU seconds (utime+stime of all threads,
  and the scheduler's nanosecond count beside it) in one idle minute in the room:
  BENCH_TICKS (60) ticks from BENCH_SETTLE (10) seconds after the first frame, once the
  start-up messages on the status line have faded. The room's session starts in 40 minutes,
  so its countdown changes every second. Beside them, over the same minute in a terminal of
  its own: `floor --idle`, a one-line countdown to the same time that redraws on each second.
- Keystroke-to-screen latency while dheya-server is stopped with SIGSTOP and a refresh of
  the room (F5) hangs on it: 50 Space keys on the checklist, then 50 letters typed into the
  feedback comment (each saved as a draft). The time from the write of a key to the arrival
  of its echo; keys are sent between two timer ticks, so a tick is never taken for an echo.
  Beside them, the same keys measured the same way on `floor --keys`, which only draws each
  key (Space ticks and unticks a box, letters are typed on a line).

Server: dheya-server under wrk (a C load generator, so the numbers are the server's and not a
Python client's): the meeting route, the list of 50 sessions and feedback POSTs, each with
requests per second, p50 and p99 latency and errors, then the server's peak memory beside
its memory before the loads. Beside each, the same load on tests/bench/floor_server.c:
libmicrohttpd run as dheya-server runs it, answering with fixed bodies of the sizes of
dheya-server's answers, i.e. what the HTTP layer alone costs; the two servers take turns,
load by load. BENCH_SECONDS (5) is the length of each load, BENCH_CONNECTIONS (32) and
BENCH_THREADS (2) are wrk's -c and -t.

Last, tests/bench/valgrind.py: memcheck over the whole interactive flow (it runs on its own
too); BENCH_VALGRIND=0 leaves it out. BENCH_RUNS is 21."""
import fcntl
import json
import os
import platform
import select
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import BUILD, CLIENT_BIN, Client, Scratch, Server  # noqa: E402

DURATION = float(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
RUNS = int(os.environ.get("BENCH_RUNS", "21"))
SETTLE = float(os.environ.get("BENCH_SETTLE", "10"))
IDLE_TICKS = int(os.environ.get("BENCH_TICKS", "60"))
KEYS = 50
FEEDBACK_BOOKINGS = 50000  # more than a run can use, so every POST is a first feedback
FLOOR_BIN = os.path.join(BUILD, "bench", "floor")
FLOOR_SERVER_BIN = os.path.join(BUILD, "bench", "floor_server")
MAXRSS_BIN = os.path.join(BUILD, "bench", "maxrss")
ROWS, COLS, TERM = 24, 80, "xterm-256color"

# Targets (issue 10); printed beside the figures, never enforced.
FRAME_RATIO = 1.5
RSS_MB = 16
BYTES_PER_TICK = 64
IDLE_CPU_S = 0.1
KEY_MS = 50

# The booking's notes end with a word the sidebar draws on the lowest row the loaded room
# changes (the checklist's hint cuts the notes short before it).
NOTES = "Goals for the bench session: discuss the plan and the next steps. endofnotes"
ROOM_DONE = (b"endofnotes", b"https://meet", b"Back")
FLOOR_DONE = (b"one frame)",)
FLOOR_KEYS_DONE = (b"Escape quits", b"the box")
F5 = b"\x1b[15~"

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

rows = []  # the figures table: (measure, dheya-meet, reference, target, verdict)


def figure(measure, value, reference, target, met):
    rows.append((measure, value, reference, target,
                 "" if met is None else "met" if met else "MISSED"))


def peak_rss_kib(pid):
    return proc_status(pid).get("VmHWM", 0)


def proc_status(pid):
    """The kB fields of /proc/PID/status, as a dict of ints."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if v.strip().endswith("kB"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def cpu_on_tasks(pid):
    """CPU time (s) used so far by all the live threads of pid, from the scheduler's
    nanosecond counters (/proc/PID/task/*/schedstat): precise where utime and stime count
    whole clock ticks, and much less disturbed by other load than wall time."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def smaps_by_object(pid):
    """Resident kB per mapped object (a library's file name without its version, [heap],
    [stack], or [anon] for other anonymous memory such as thread stacks), and the private
    dirty kB of each: what the process alone pays for."""
    rss, dirty, name = {}, {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and not parts[0].endswith(":"):
                path = parts[5] if len(parts) > 5 else "[anon]"
                name = os.path.basename(path).split(".so")[0] + (".so" if ".so" in path else "")
                if path.startswith("/") and ".so" not in path and path.endswith(
                        ("dheya-meet", "floor")):
                    name = "(the program)"
                elif path.startswith("/usr/lib/locale"):
                    name = "(locale)"
            elif parts[0] == "Rss:":
                rss[name] = rss.get(name, 0) + int(parts[1])
            elif parts[0] == "Private_Dirty:":
                dirty[name] = dirty.get(name, 0) + int(parts[1])
    return rss, dirty


class Pty:
    """A program in a pseudo-terminal of its own (ROWS x COLS, TERM), as a user runs it. Every
    chunk it writes is kept with the time it arrived (time.perf_counter)."""

    def __init__(self, argv, env):
        self.master, slave = os.openpty()
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.chunks = []
        self.data = bytearray()
        # The time just before the spawn: Python starts the child with vfork (no preexec
        # function), so the child costs the same few hundred microseconds for every program
        # and nothing of this process's size. The child leads a session of its own but has
        # no controlling terminal (that would need a preexec function, hence a fork).
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     env=dict(env, TERM=TERM), start_new_session=True,
                                     close_fds=True)
        os.close(slave)

    def pump(self, timeout):
        """Reads one chunk if one arrives within timeout seconds; True if one did."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            d = os.read(self.master, 65536)
        except OSError:  # EIO: the program is gone
            d = b""
        if not d:
            raise SystemExit(f"{self.proc.args[0]} left the terminal:\n{self.text()}")
        self.chunks.append((time.perf_counter(), d))
        self.data += d
        return True

    def wait_for(self, markers, timeout=20):
        """Reads until every marker has arrived; returns the time the last one did."""
        deadline = time.perf_counter() + timeout
        while not all(m in self.data for m in markers):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise SystemExit(f"timed out waiting for {markers}:\n{self.text()}")
            self.pump(left)
        return self.chunks[-1][0]

    def read_until(self, t):
        while time.perf_counter() < t:
            self.pump(t - time.perf_counter())

    def quiet(self, seconds):
        """Reads until nothing has arrived for seconds."""
        while self.pump(seconds):
            pass

    def key(self, b):
        """Writes a key; returns the time it was written."""
        t = time.perf_counter()
        os.write(self.master, b)
        return t

    def text(self):
        return self.data[-3000:].decode(errors="replace")

    def close(self, keys=b"q"):
        """Types keys (that should end the program) and waits for it; else SIGTERM."""
        if self.proc.poll() is None:
            os.write(self.master, keys)
            deadline = time.perf_counter() + 10
            while self.proc.poll() is None and time.perf_counter() < deadline:
                try:
                    self.pump(0.05)
                except SystemExit:
                    break
        if self.proc.poll() is None:
            self.proc.terminate()
        status = self.proc.wait()
        os.close(self.master)
        return status


def read_all_until(ptys, t):
    """Reads every one of ptys until time t, each chunk timestamped as it arrives."""
    while (left := t - time.perf_counter()) > 0:
        ready, _, _ = select.select([p.master for p in ptys], [], [], left)
        for p in ptys:
            if p.master in ready:
                p.pump(0)


def wall_fraction():
    return time.time() % 1.0


# ---- client ----

def client_setup():
    """A server, a mentor with 50 sessions, and the room's: it starts in 40 minutes, so that
    its countdown changes every second all through the benchmark and no reminder is due."""
    srv = Server(args=["--rate-limit", "0", "--quiet"])
    mentor, mentee, pkg = srv.cast("Bench")
    starts = int(time.time()) + 40 * 60
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(starts))
    room = srv.book(mentee, mentor, pkg, when=when, notes=NOTES)["booking"]["id"]
    for _ in range(49):
        srv.book(mentee, mentor, pkg)
    return srv, mentor, room, starts


def first_frames(srv, client, room):
    """Exec to the first complete frame, RUNS times each, client and floor taking turns.
    Returns the medians and the ranges (s), the CPU time each had used by its frame
    (median, s), and each one's VmHWM at its frame (median, kB)."""
    url = f"{srv.url}/api/sessions/{room}/meeting"
    times = {"client": [], "floor": []}
    cpu = {"client": [], "floor": []}
    hwm = {"client": [], "floor": []}
    for i in range(RUNS):
        order = ("client", "floor") if i % 2 == 0 else ("floor", "client")
        for who in order:
            if who == "client":
                p = Pty([CLIENT_BIN, "--session", room], client.env)
                done = p.wait_for(ROOM_DONE)
            else:
                p = Pty([FLOOR_BIN, url], client.env)
                done = p.wait_for(FLOOR_DONE)
            times[who].append(done - p.started)
            cpu[who].append(cpu_on_tasks(p.proc.pid))
            hwm[who].append(peak_rss_kib(p.proc.pid))
            status = p.close()
            if status != 0:
                raise SystemExit(f"{who} exited {status}:\n{p.text()}")
    return ({k: statistics.median(v) for k, v in times.items()},
            {k: (min(v), max(v)) for k, v in times.items()},
            {k: statistics.median(v) for k, v in cpu.items()},
            {k: statistics.median(v) for k, v in hwm.items()})


def floor_smaps(srv, client, room):
    p = Pty([FLOOR_BIN, f"{srv.url}/api/sessions/{room}/meeting"], client.env)
    p.wait_for(FLOOR_DONE)
    maps = smaps_by_object(p.proc.pid)
    p.close()
    return maps


def key_latencies(p, key_bytes, expect):
    """KEYS keys (key_bytes(i)), each written between two ticks once the terminal has been
    quiet; returns the latencies (s) from the write to the arrival of its echo, the first
    bytes after it that hold expect(i)."""
    out = []
    for i in range(KEYS):
        k = key_bytes(i)
        while True:
            p.quiet(0.03)
            if 0.15 <= wall_fraction() <= 0.6:
                break
            p.read_until(time.perf_counter() + (1.15 - wall_fraction()) % 1.0)
        n = len(p.chunks)
        t = p.key(k)
        deadline, echo = t + 5, b""
        while expect(i) not in echo:
            if time.perf_counter() > deadline:
                raise SystemExit(f"no echo of key {k!r} within 5 s: {echo!r}\n{p.text()}")
            if p.pump(deadline - time.perf_counter()):
                echo += p.chunks[-1][1]
        out.append(p.chunks[-1][0] - t)
    return out


class IdleMinute:
    """One program's bytes to the terminal per second and CPU time from start to end (times
    on time.perf_counter), which the caller reads through."""

    def __init__(self, p, start, end):
        self.p, self.start, self.end = p, start, end

    def begin(self):
        pid = self.p.proc.pid
        self.n0, self.cpu0, self.sched0 = len(self.p.chunks), cpu_seconds(pid), cpu_on_tasks(pid)

    def finish(self):
        """The figures: bytes per tick (mean, median, max), CPU (utime+stime, schedstat)."""
        pid = self.p.proc.pid
        cpu, sched = cpu_seconds(pid) - self.cpu0, cpu_on_tasks(pid) - self.sched0
        per_second = [0] * IDLE_TICKS
        for t, d in self.p.chunks[self.n0:]:
            if t < self.end:
                per_second[min(int(t - self.start), IDLE_TICKS - 1)] += len(d)
        return {"tick_bytes": sum(per_second) / IDLE_TICKS,
                "tick_median": statistics.median(per_second), "tick_max": max(per_second),
                "idle_cpu": cpu, "idle_sched": sched}


def room_session(srv, client, room, starts):
    """One run in the room: the idle minute (with the floor's countdown beside it, over the
    same minute), then the keys with the server stopped. Returns a dict of figures, the
    floor's under "floor"."""
    p = Pty([CLIENT_BIN, "--session", room], client.env)
    framed = p.wait_for(ROOM_DONE)
    # The floor starts now, so that it has settled as long as the room has.
    fl = Pty([FLOOR_BIN, "--idle", str(starts)], client.env)
    # The idle minute: IDLE_TICKS whole seconds, from half a second past a tick.
    offset = time.time() - time.perf_counter()
    start = int(framed + offset + SETTLE) + 1.5 - offset
    end = start + IDLE_TICKS
    read_all_until((p, fl), start)
    minutes = (IdleMinute(p, start, end), IdleMinute(fl, start, end))
    for m in minutes:
        m.begin()
    read_all_until((p, fl), end)
    r, floor_idle = (m.finish() for m in minutes)
    r["floor"] = floor_idle
    if fl.close() != 0:
        raise SystemExit(f"floor --idle failed:\n{fl.text()}")
    # Keys while the server hangs: it is stopped, and F5 sends a refresh that waits on it.
    srv.proc.send_signal(signal.SIGSTOP)
    try:
        p.key(F5)
        p.read_until(time.perf_counter() + 0.5)
        r["keys_room"] = key_latencies(p, lambda i: b" ",
                                       lambda i: b"x" if i % 2 == 0 else b" ")
        p.key(b"f")
        p.wait_for((b"characters left",))
        p.key(b"\t")
        p.read_until(time.perf_counter() + 0.3)
        letters = "abcdefghijklmnopqrstuvwxyz"
        r["keys_comment"] = key_latencies(p, lambda i: letters[i % 26].encode(),
                                          lambda i: letters[i % 26].encode())
        r["hwm"] = peak_rss_kib(p.proc.pid)
        r["smaps"] = smaps_by_object(p.proc.pid)
        with open(f"/proc/{p.proc.pid}/status") as f:
            r["threads"] = next(int(line.split()[1]) for line in f
                                if line.startswith("Threads:"))
    finally:
        srv.proc.send_signal(signal.SIGCONT)
    p.key(b"\x1b")  # leave the form (the draft is kept)
    p.read_until(time.perf_counter() + 0.3)
    r["exit"] = p.close(b"q")
    return r


def floor_keys(client):
    """The keys of room_session on `floor --keys`, sent and timed the same way: the Space
    keys tick and untick its box, the letters are typed on its line."""
    p = Pty([FLOOR_BIN, "--keys"], client.env)
    p.wait_for(FLOOR_KEYS_DONE)
    letters = "abcdefghijklmnopqrstuvwxyz"
    r = {"keys_room": key_latencies(p, lambda i: b" ", lambda i: b"x" if i % 2 == 0 else b" "),
         "keys_comment": key_latencies(p, lambda i: letters[i % 26].encode(),
                                       lambda i: letters[i % 26].encode())}
    if p.close(b"\x1b") != 0:
        raise SystemExit(f"floor --keys failed:\n{p.text()}")
    return r


def list_run(client):
    """`dheya-meet list`: the median time from exec to its complete output, and its peak
    memory (through maxrss: see tests/bench/maxrss.c for why not from here)."""
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        p = subprocess.Popen([CLIENT_BIN, "list"], env=client.env, stdout=subprocess.DEVNULL)
        _, status, _ = os.wait4(p.pid, 0)
        times.append(time.perf_counter() - t)
        if status != 0:
            raise SystemExit(f"dheya-meet list failed ({status})")
    out = subprocess.run([MAXRSS_BIN, CLIENT_BIN, "list"], env=client.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return statistics.median(times), int(out.stderr.split("maxrss ")[-1])


def startup(env):
    """What loading and initialising the libraries costs: exec to exit of `dheya-meet
    --version` beside the floor's usage message (each exits before doing any work). Medians
    of wall time and CPU time (ms), and minor page faults."""
    out = {}
    for who, argv in (("client", [CLIENT_BIN, "--version"]), ("floor", [FLOOR_BIN])):
        wall, cpu, faults = [], [], []
        for _ in range(RUNS):
            t = time.perf_counter()
            p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            _, _, ru = os.wait4(p.pid, 0)
            wall.append(time.perf_counter() - t)
            cpu.append(ru.ru_utime + ru.ru_stime)
            faults.append(ru.ru_minflt)
        out[who] = (statistics.median(wall), statistics.median(cpu), statistics.median(faults))
    return out


def ms(s):
    return f"{s * 1000:.1f} ms"


def mb(kib):
    return f"{kib / 1024:.1f} MB"


def client_bench():
    for tool in (FLOOR_BIN, FLOOR_SERVER_BIN, MAXRSS_BIN):
        if not os.path.exists(tool):
            raise SystemExit(f"{tool} is missing: run make bench")
    srv, mentor, room, starts = client_setup()
    client = Client(srv, mentor["token"])
    med, spread, cpu, hwm = first_frames(srv, client, room)
    ratio = round(med["client"] / med["floor"], 2)  # as printed: a margin below 0.005 is noise
    figure("exec to first complete room frame",
           f"{ms(med['client'])} ({ms(spread['client'][0])}-{ms(spread['client'][1])})",
           f"floor {ms(med['floor'])} ({ms(spread['floor'][0])}-{ms(spread['floor'][1])})",
           f"<= {FRAME_RATIO}x floor: {ratio:.2f}x", ratio <= FRAME_RATIO)
    figure("  CPU time used by then (all threads)", ms(cpu["client"]),
           f"floor {ms(cpu['floor'])}", f"{cpu['client'] / cpu['floor']:.2f}x", None)
    s = startup(client.env)
    figure("  exec to exit of --version (floor: usage)",
           f"{ms(s['client'][0])}, CPU {ms(s['client'][1])}, {s['client'][2]:.0f} faults",
           f"floor {ms(s['floor'][0])}, CPU {ms(s['floor'][1])}, {s['floor'][2]:.0f} faults",
           "", None)
    floor_maps = floor_smaps(srv, client, room)
    r = room_session(srv, client, room, starts)
    fk = floor_keys(client)
    if r["exit"] != 0:
        print(f"note: dheya-meet exited {r['exit']} after the room run")
    libs = sum(1 for n in r["smaps"][0] if n.endswith(".so"))
    floor_libs = sum(1 for n in floor_maps[0] if n.endswith(".so"))
    figure("  shared objects mapped", str(libs), f"floor {floor_libs}", "", None)
    figure("peak RSS in the room (after idle min + keys)", mb(r["hwm"]),
           f"floor {mb(hwm['floor'])}", f"<= {RSS_MB} MB", r["hwm"] <= RSS_MB * 1024)
    figure("peak RSS at the first room frame", mb(hwm["client"]), f"floor {mb(hwm['floor'])}",
           f"<= {RSS_MB} MB", hwm["client"] <= RSS_MB * 1024)
    list_time, list_rss = list_run(client)
    figure("peak RSS of `dheya-meet list` (50 sessions)", mb(list_rss),
           f"floor {mb(hwm['floor'])}", f"<= {RSS_MB} MB", list_rss <= RSS_MB * 1024)
    f = r["floor"]
    figure(f"bytes to the terminal per tick, idle room ({IDLE_TICKS} ticks)",
           f"{r['tick_bytes']:.1f} (median {r['tick_median']}, max {r['tick_max']} in 1 s)",
           f"floor {f['tick_bytes']:.1f} (median {f['tick_median']}, max {f['tick_max']})",
           f"<= {BYTES_PER_TICK}", r["tick_bytes"] <= BYTES_PER_TICK)
    figure(f"CPU in {IDLE_TICKS} idle seconds in the room (all threads)",
           f"{r['idle_cpu']:.2f} s ({r['idle_sched'] * 1000:.1f} ms by schedstat)",
           f"floor {f['idle_cpu']:.2f} s ({f['idle_sched'] * 1000:.1f} ms by schedstat)",
           f"<= {IDLE_CPU_S} s", r["idle_cpu"] <= IDLE_CPU_S)
    for name, key in (("room checklist (Space)", "keys_room"),
                      ("feedback comment (letters)", "keys_comment")):
        lat, ref = r[key], fk[key]
        figure(f"key to screen, server stopped: {name}",
               f"median {ms(statistics.median(lat))}, max {ms(max(lat))}",
               f"floor median {ms(statistics.median(ref))}, max {ms(max(ref))}",
               f"<= {KEY_MS} ms", max(lat) * 1000 <= KEY_MS)
    figure("dheya-meet list, exec to complete output", ms(list_time), f"median of {RUNS}",
           "", None)
    srv.stop()
    return r, floor_maps


def memory_table(r, floor_maps):
    """What each mapped object costs: resident and private-dirty kB, client beside floor."""
    rss, dirty = r["smaps"]
    floor_rss, floor_dirty = floor_maps
    names = sorted(set(rss) | set(floor_rss), key=lambda n: -rss.get(n, 0))
    print("memory by mapped object, kB (RSS, of which private dirty): dheya-meet in the "
          f"room ({r['threads']} threads) beside the floor")
    shown = 0
    rest = [0, 0, 0, 0]
    for n in names:
        row = (rss.get(n, 0), dirty.get(n, 0), floor_rss.get(n, 0), floor_dirty.get(n, 0))
        if shown < 22 and (row[0] >= 100 or row[2] >= 100):
            print(f"  {n:28} {row[0]:6} ({row[1]:5})   floor {row[2]:6} ({row[3]:5})")
            shown += 1
        else:
            rest = [a + b for a, b in zip(rest, row)]
    print(f"  {'(the rest)':28} {rest[0]:6} ({rest[1]:5})   floor {rest[2]:6} ({rest[3]:5})")
    print(f"  {'total':28} {sum(rss.values()):6} ({sum(dirty.values()):5})   floor "
          f"{sum(floor_rss.values()):6} ({sum(floor_dirty.values()):5})")
    only = sorted(((rss[n], n) for n in rss if n not in floor_rss), reverse=True)
    print(f"  mapped by dheya-meet only: {sum(v for v, _ in only)} kB: " +
          ", ".join(f"{n} {v}" for v, n in only[:12]) + "\n")


# ---- server ----

def wrk(url, scratch, path, token, script=""):
    """Runs wrk against the server at url for DURATION seconds; returns its totals."""
    lua = scratch.file("bench.lua")
    with open(lua, "w") as f:
        f.write(f'THREADS = {THREADS}\nBOOKINGS = {FEEDBACK_BOOKINGS}\nTOKEN = "{token}"\n')
        f.write(LUA_COMMON + script)
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION:g}s",
                          "-H", f"Authorization: Bearer {token}", "-s", lua, url + path],
                         capture_output=True, text=True, timeout=DURATION + 60)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise SystemExit(f"wrk gave no totals:\n{out.stdout}\n{out.stderr}")


def completed_bookings(db, mentee, mentor, package):
    """Inserts FEEDBACK_BOOKINGS completed bookings straight into the database (the API would
    take minutes to make them, each with its own fsync), and one more, which wrk never
    uses, for the feedback whose answer sets the size of the floor's."""
    now = int(time.time())
    with sqlite3.connect(db, timeout=30) as c:
        c.executemany(
            "INSERT INTO bookings(id, user_id, mentor_id, package_id, session_number, "
            "scheduled_at, duration, status, meeting_url, provider, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 1, ?, 60, 'COMPLETED', ?, 'jitsi', ?, ?)",
            ((f"bbench{i:06d}", mentee, mentor, package, now - 86400,
              f"https://meet.jit.si/bench-{i}", now, now) for i in range(FEEDBACK_BOOKINGS + 1)))
    c.close()


class FloorServer:
    """tests/bench/floor_server.c on a free loopback port, answering with bodies of the sizes
    given."""

    def __init__(self, meeting_bytes, list_bytes, post_bytes):
        self.proc = subprocess.Popen(
            [FLOOR_SERVER_BIN, str(meeting_bytes), str(list_bytes), str(post_bytes)],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on http://"):
            self.proc.kill()
            raise SystemExit(f"floor_server did not start: {line!r}")
        self.url = line[len("listening on "):]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.proc.stdout.close()


def load_figures(title, t, f):
    """Rows for one load: dheya-server's totals t beside the floor's f."""
    def rate(x):
        return x["requests"] / (x["us"] / 1e6)

    def errors(x):
        n = x["connect"] + x["read"] + x["write"] + x["timeout"] + x["status"]
        return f"{n}" + (f" (non-2xx {x['status']}, socket {n - x['status']})" if n else "")

    return [(title, f"{rate(t):.0f} requests/s", f"floor {rate(f):.0f} requests/s",
             f"{rate(t) / rate(f):.2f}x the floor's rate"),
            ("  p50, p99", f"{t['p50'] / 1000:.2f} ms, {t['p99'] / 1000:.2f} ms",
             f"floor {f['p50'] / 1000:.2f} ms, {f['p99'] / 1000:.2f} ms", ""),
            ("  errors", errors(t), f"floor {errors(f)}", "")]


def server_bench():
    if shutil.which("wrk") is None:
        print("server  not measured: wrk is not installed (apt-get install wrk)\n")
        return
    scratch = Scratch()
    srv = Server(args=["--rate-limit", "0", "--quiet"], scratch=scratch)
    mentor, mentee, pkg = srv.cast("Bench")
    ids = [srv.book(mentee, mentor, pkg)["booking"]["id"] for _ in range(50)]
    writer, rater, _ = srv.cast("Feedback")
    completed_bookings(srv.db, rater["id"], writer["id"], pkg)
    # The floor answers with bodies as long as dheya-server's (its newline included).
    sizes = [len(srv.request("GET", path, token=mentor["token"]).body.encode())
             for path in (f"/api/sessions/{ids[0]}/meeting", "/api/sessions")]
    probe = srv.request("POST", f"/api/sessions/bbench{FEEDBACK_BOOKINGS:06d}/feedback",
                        token=rater["token"], headers={"Idempotency-Key": "bench-probe"},
                        body={"rating": 4, "comment": "A useful session, thank you"})
    if probe.status not in (200, 201):
        raise SystemExit(f"the probe feedback was refused: {probe}")
    sizes.append(len(probe.body.encode()))
    floor = FloorServer(*sizes)
    print(f"dheya-server beside the floor (tests/bench/floor_server.c: libmicrohttpd alone, "
          f"thread per connection, fixed\nanswers of {sizes[0]}, {sizes[1]} and {sizes[2]} "
          f"bytes) under wrk -t{THREADS} -c{CONNECTIONS}, {DURATION:g} s per load, the two "
          "servers taking turns\n")
    before = {"srv": proc_status(srv.proc.pid).get("VmRSS", 0),
              "floor": proc_status(floor.proc.pid).get("VmRSS", 0)}
    loads = (("GET /api/sessions/{id}/meeting", f"/api/sessions/{ids[0]}/meeting",
              mentor["token"], ""),
             ("GET /api/sessions (50 sessions)", "/api/sessions", mentor["token"], ""),
             ("POST /api/sessions/{id}/feedback (new key, new booking)",
              "/api/sessions/bbench000000/feedback", rater["token"], LUA_FEEDBACK))
    table = []
    for title, path, token, script in loads:
        t = wrk(srv.url, scratch, path, token, script)
        f = wrk(floor.url, scratch, path, token, script)
        table += load_figures(title, t, f)
    hwm = {"srv": peak_rss_kib(srv.proc.pid), "floor": peak_rss_kib(floor.proc.pid)}
    table.append(("peak RSS (VmHWM) after the loads",
                  f"{mb(hwm['srv'])} (before {mb(before['srv'])})",
                  f"floor {mb(hwm['floor'])} (before {mb(before['floor'])})", ""))
    print_table(("measure", "dheya-server", "reference", ""), table)
    print()
    floor.stop()
    srv.stop()


def valgrind_report():
    if os.environ.get("BENCH_VALGRIND") == "0":
        return
    out = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "valgrind.py")],
                         capture_output=True, text=True, timeout=1800)
    print(out.stdout + out.stderr)


def print_table(head, table):
    """Columns padded to their widest cell; trailing blanks trimmed."""
    w = [max(len(row[i]) for row in [head, *table]) for i in range(len(head))]
    for row in [head, *table]:
        print("  ".join(c.ljust(w[i]) for i, c in enumerate(row)).rstrip())


def conditions(when):
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{when}: load average {load}"


def main():
    print("make bench: a report, never pass/fail; several runs give medians")
    print(f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
          f"{platform.release()}, {conditions('start')}")
    print(f"client: {CLIENT_BIN} in a {COLS}x{ROWS} pty, TERM={TERM}, no D-Bus session "
          f"(notifications unavailable); {RUNS} runs per first-frame figure\n")
    r, floor_maps = client_bench()
    print_table(("measure", "dheya-meet", "reference", "target", ""), rows)
    print()
    memory_table(r, floor_maps)
    server_bench()
    valgrind_report()
    print(conditions("end"))
    Scratch.cleanup_all()


main()
