"""Test support shared by the Python suites: TAP output, waiting with deadlines, and
dheya-server instances on free ports with temporary databases."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
SERVER_BIN = os.path.join(BUILD, "dheya-server")
CLIENT_BIN = os.path.join(BUILD, "dheya-meet")

_tests = []


def test(fn):
    """Registers a test function; run() runs them in order."""
    _tests.append(fn)
    return fn


SANITIZER_REPORT = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:")


def _servers_exited_cleanly():
    """Every server stopped with SIGTERM exited 0, and no sanitizer spoke in any log."""
    for srv in list(Server.running):
        srv.stop()
    problems = [f"{log}: exit {code}\n{text[-1500:]}" for code, log, text in Server.exits
                if (code != 0 and code is not None) or SANITIZER_REPORT.search(text)]
    check(not problems, "\n".join(problems))


def run():
    """Runs every registered test and prints TAP; exits 1 if any failed."""
    if Server.exits is not None and _servers_exited_cleanly not in _tests:
        _tests.append(_servers_exited_cleanly)
    print(f"1..{len(_tests)}", flush=True)
    bad = 0
    for i, fn in enumerate(_tests, 1):
        name = fn.__name__
        try:
            fn()
            print(f"ok {i} - {name}", flush=True)
        except Exception:  # noqa: BLE001 - report every failure as a TAP line
            bad += 1
            print(f"not ok {i} - {name}", flush=True)
            for line in traceback.format_exc().splitlines():
                print(f"# {line}", flush=True)
    Scratch.cleanup_all()
    sys.exit(1 if bad else 0)


def wait_for(predicate, timeout=10.0, what="condition"):
    """Polls predicate until it returns a true value, or raises after timeout seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def check(cond, msg=""):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, msg=""):
    if got != want:
        raise AssertionError(f"{msg}: got {got!r}, want {want!r}" if msg else
                             f"got {got!r}, want {want!r}")


class Scratch:
    """A temporary directory removed when the suite ends."""
    _all = []

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="dheya-test-")
        Scratch._all.append(self)

    def file(self, name):
        return os.path.join(self.path, name)

    @classmethod
    def cleanup_all(cls):
        for s in cls._all:
            shutil.rmtree(s.path, ignore_errors=True)
        for srv in Server.running:
            srv.stop()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Server:
    """A dheya-server on a free loopback port with its own database."""
    running = []
    exits = []  # (exit status or None for a deliberate kill, log path, log text)

    def __init__(self, args=(), env=None, db=None, scratch=None, preexec=None, wrap=()):
        """wrap: a command that execs the server given as its last arguments (unshare...)."""
        self.preexec = preexec
        self.wrap = list(wrap)
        self.scratch = scratch or Scratch()
        self.db = db or self.scratch.file("dheya.db")
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.start()

    def start(self, port=0):
        self.log = open(self.scratch.file("server.log"), "ab")
        self.proc = subprocess.Popen(
            [*self.wrap, SERVER_BIN, "--db", self.db, "--listen", f"127.0.0.1:{port}"] +
            self.args,
            stdout=subprocess.PIPE, stderr=self.log, env=self.env, text=True,
            preexec_fn=self.preexec)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on http://([\d.]+):(\d+)$", line.strip())
        if not m:
            self.proc.kill()
            raise AssertionError(f"server did not start: {line!r} {self.stderr()}")
        self.host, self.port = m.group(1), int(m.group(2))
        self.url = f"http://{self.host}:{self.port}"
        Server.running.append(self)

    def stderr(self, tail=2000):
        try:
            with open(self.scratch.file("server.log"), "rb") as f:
                return f.read().decode(errors="replace")[-tail:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        """Stops the server with sig and returns its exit status."""
        if self not in Server.running:
            return self.proc.returncode if self.proc else None
        Server.running.remove(self)
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        Server.exits.append((self.proc.returncode if sig == signal.SIGTERM else None,
                             self.scratch.file("server.log"), self.stderr(tail=10**7)))
        return self.proc.returncode

    def restart(self):
        """Stops the server and starts it again on the same port."""
        self.stop()
        self.start(self.port)

    def request(self, method, path, body=None, token=None, headers=None, timeout=10,
                source=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=(source, 0) if source else None)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()},
                            r.read().decode(errors="replace"))
        finally:
            conn.close()

    def admin(self, *args):
        """Runs `dheya-server ARGS --db DB` and returns its parsed JSON line."""
        out = subprocess.run([SERVER_BIN, *args, "--db", self.db], capture_output=True,
                             text=True, timeout=20)
        if out.returncode != 0:
            raise AssertionError(f"admin {args} failed: {out.stderr}")
        return json.loads(out.stdout)

    def user(self, name, role="user", email=None):
        email = email or re.sub(r"\W", ".", name.lower()) + "@example.com"
        u = self.admin("user", "add", "--name", name, "--email", email, "--role", role)
        u["name"], u["email"] = name, email
        return u

    def package(self, name="Destination Mastery"):
        return self.admin("package", "add", "--name", name)["id"]

    def cast(self, label):
        """A mentor, a mentee and a package, named after label; returns the three."""
        return (self.user(f"{label} Mentor", "mentor"), self.user(f"{label} Mentee"),
                self.package())

    def book(self, mentee, mentor, package, when=None, duration=60, notes="Notes", number=1):
        when = when or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        r = self.request("POST", "/api/bookings", token=mentee["token"], body={
            "mentorId": mentor["id"], "packageId": package, "sessionNumber": number,
            "scheduledAt": when, "duration": duration, "notes": notes})
        eq(r.status, 201, f"booking: {r.body}")
        return r.json()

    def complete(self, booking_id, mentor):
        """Marks a booking COMPLETED as its mentor would, checking the platform said yes."""
        r = self.request("POST", f"/api/sessions/{booking_id}/complete", token=mentor["token"])
        eq(r.status, 200, f"complete: {r.body}")


class Client:
    """Runs dheya-meet with a private environment: its own XDG directories, TZ=UTC, no
    display or browser unless a test sets them, and the platform's address and token."""

    def __init__(self, server=None, token=None, scratch=None):
        self.scratch = scratch or Scratch()
        self.home = self.scratch.file("home")
        os.makedirs(self.home, exist_ok=True)
        self.env = {
            "PATH": "/usr/bin:/bin", "HOME": self.home, "TZ": "UTC", "LANG": "C.UTF-8",
            "XDG_CONFIG_HOME": os.path.join(self.home, "config"),
            "XDG_STATE_HOME": os.path.join(self.home, "state"),
        }
        if server:
            self.env["DHEYA_API_URL"] = server.url
        if token:
            self.env["DHEYA_TOKEN"] = token
        self.outbox = os.path.join(self.env["XDG_STATE_HOME"], "dheya-meet", "outbox")

    def run(self, *args, env=None, stdin=None, timeout=60):
        e = dict(self.env)
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        start = time.monotonic()
        p = subprocess.run([CLIENT_BIN, *args], capture_output=True, env=e, input=stdin,
                           timeout=timeout)
        p.elapsed = time.monotonic() - start
        p.out = p.stdout.decode(errors="replace")
        p.err = p.stderr.decode(errors="replace")
        if SANITIZER_REPORT.search(p.err):
            raise AssertionError(f"sanitizer report from dheya-meet {args}:\n{p.err}")
        return p

    def config(self, text, mode=0o600):
        d = os.path.join(self.env["XDG_CONFIG_HOME"], "dheya-meet")
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o700)  # whatever the umask: a directory others can write is refused
        path = os.path.join(d, "config")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def queued(self, sub=""):
        """The item files in the outbox, or in its subdirectory sub (claimed, rejected)."""
        try:
            return sorted(n for n in os.listdir(os.path.join(self.outbox, sub))
                          if n.endswith(".json"))
        except FileNotFoundError:
            return []


def free_port():
    """A port nothing listens on right now."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser_recorder(scratch):
    """A $BROWSER script that writes its arguments, NUL-separated, to a file; returns
    (script path, record path)."""
    record = scratch.file("browser.record")
    script = scratch.file("record-browser")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" > \"" + record + ".tmp\"\n"
                "mv \"" + record + ".tmp\" \"" + record + "\"\n")
    os.chmod(script, 0o755)
    return script, record


def namespaces_work():
    """True when this machine lets a test make a user and mount namespace of its own
    (`unshare -rm`), for a tmpfs or a bind mount that only the process under test sees."""
    if shutil.which("unshare") is None:
        return False
    p = subprocess.run(["unshare", "-rm", "sh", "-c",
                        "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"],
                       capture_output=True)
    return p.returncode == 0


def read_record(record, timeout=10):
    """Waits for the browser recorder's file and returns the argv it saw."""
    wait_for(lambda: os.path.exists(record), timeout, "the browser to be launched")
    with open(record, "rb") as f:
        return f.read().decode().split("\0")[:-1]
