"""dheya-server's database under contention (issue 6, items 9 and 10): readers never wait
for a writer, a write waiting on the lock is bounded and stalls nobody, processes that open
a new database together both succeed; and the list and meeting routes give the same
objects, valid JSON whatever the stored text. HARDENING item 21's other two: a database
that cannot be written (a read-only file, a read-only file system) and a full disk (a small
tmpfs of the server's own, in a user and mount namespace): writes answer 5xx with a JSON
error and leave nothing half-done, reads go on, the server keeps running."""
import errno
import hashlib
import hmac
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (SANITIZER_REPORT, SERVER_BIN, Response, Scratch, Server,  # noqa: E402
                     check, eq, namespaces_work, run, test)

DEADLINE = 1.5  # seconds a read may take while another connection holds the write lock


def timed(srv, path, token):
    """GETs path; returns (status, seconds). Raises if no answer within DEADLINE."""
    start = time.monotonic()
    r = srv.request("GET", path, token=token, timeout=DEADLINE)
    return r.status, time.monotonic() - start


class Writer(threading.Thread):
    """One POST in the background, timed; sent is set once the request is on its way."""

    def __init__(self, srv, path, token):
        super().__init__()
        self.srv, self.path, self.token = srv, path, token
        self.response = self.elapsed = None
        self.sent = threading.Event()

    def run(self):
        start = time.monotonic()
        conn = http.client.HTTPConnection(self.srv.host, self.srv.port, timeout=30)
        try:
            conn.request("POST", self.path, headers={"Authorization": f"Bearer {self.token}"})
            self.sent.set()
            r = conn.getresponse()
            self.response = Response(r.status, {k.lower(): v for k, v in r.getheaders()},
                                     r.read().decode())
        finally:
            self.sent.set()
            conn.close()
        self.elapsed = time.monotonic() - start

    def begin(self):
        """Starts the request and returns once it has been sent. (A read connecting in the
        same instant may be accepted in one batch with it by the same libmicrohttpd worker
        thread, which then waits with the write: an HTTP-layer matter, bounded by the
        database's 1 s busy timeout, that this test does not measure.)"""
        self.start()
        self.sent.wait(10)


def hold_write_lock(db):
    """Another process's write transaction, as `sqlite3 dheya.db` would hold it."""
    holder = sqlite3.connect(db, isolation_level=None, timeout=1, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def reads_while(srv, alive, mentor, bid, least):
    """Reads the meeting route and a bad-token route until alive() is false; every answer
    must come within DEADLINE, and there must be at least `least` rounds."""
    meeting = f"/api/sessions/{bid}/meeting"
    rounds = 0
    give_up = time.monotonic() + 20
    while alive():
        check(time.monotonic() < give_up, "the write never ended")
        status, took = timed(srv, meeting, mentor["token"])
        eq(status, 200, "the meeting route")
        check(took < DEADLINE, f"the meeting route took {took:.2f} s")
        status, took = timed(srv, meeting, "not-a-token")
        eq(status, 401, "a bad token")
        check(took < DEADLINE, f"the 401 took {took:.2f} s")
        rounds += 1
        time.sleep(0.02)  # pacing, not waiting: a steady trickle of reads
    check(rounds >= least, f"only {rounds} rounds of reads while the write was under way")


@test
def readers_never_wait_for_a_writer_and_a_blocked_write_is_503():
    srv = Server(args=["--rate-limit", "0"])
    mentor, mentee, pkg = srv.cast("Lock")
    bid = srv.book(mentee, mentor, pkg)["booking"]["id"]
    holder = hold_write_lock(srv.db)
    try:
        # Nothing of ours is writing yet: reads go on beside the other process's lock.
        for _ in range(5):
            eq(timed(srv, f"/api/sessions/{bid}/meeting", mentor["token"])[0], 200)
        # One of ours waits for the lock; reads must not queue behind it.
        writer = Writer(srv, f"/api/sessions/{bid}/complete", mentor["token"])
        writer.begin()
        reads_while(srv, writer.is_alive, mentor, bid, least=5)
        writer.join()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    eq(writer.response.status, 503, writer.response.body)
    check("busy" in writer.response.json()["error"], writer.response.body)
    eq(writer.response.headers.get("retry-after"), "1")
    check(writer.elapsed < 3, f"the busy write took {writer.elapsed:.1f} s")
    m = srv.request("GET", f"/api/sessions/{bid}/meeting", token=mentor["token"]).json()
    eq(m["booking"]["status"], "SCHEDULED", "the refused write left nothing behind")
    srv.stop()


@test
def a_write_waiting_on_the_lock_succeeds_once_it_is_released():
    srv = Server(args=["--rate-limit", "0"])
    mentor, mentee, pkg = srv.cast("Release")
    bid = srv.book(mentee, mentor, pkg)["booking"]["id"]
    holder = hold_write_lock(srv.db)
    released = threading.Event()

    def release():
        holder.execute("ROLLBACK")
        holder.close()
        released.set()

    writer = Writer(srv, f"/api/sessions/{bid}/complete", mentor["token"])
    # The other process lets go well within the write's 1 s wait; reads go on meanwhile.
    letgo = threading.Timer(0.4, release)
    letgo.start()
    try:
        writer.begin()
        reads_while(srv, lambda: not released.is_set(), mentor, bid, least=3)
    finally:
        letgo.join()
    writer.join()
    eq(writer.response.status, 200, writer.response.body)
    check(writer.elapsed < 1.5, f"the write took {writer.elapsed:.1f} s")
    m = srv.request("GET", f"/api/sessions/{bid}/meeting", token=mentor["token"]).json()
    eq(m["booking"]["status"], "COMPLETED")
    srv.stop()


@test
def writers_of_one_server_take_turns_without_errors():
    srv = Server(args=["--rate-limit", "0"])
    mentor, mentee, pkg = srv.cast("Turns")
    ids = [srv.book(mentee, mentor, pkg)["booking"]["id"] for _ in range(8)]
    writers = [Writer(srv, f"/api/sessions/{b}/complete", mentor["token"]) for b in ids * 3]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    eq([w.response.status for w in writers], [200] * len(writers))
    r = srv.request("GET", "/api/sessions", token=mentor["token"]).json()
    eq({s["booking"]["status"] for s in r["sessions"]}, {"COMPLETED"})
    srv.stop()


def listening(proc, deadline):
    """Reads the server's stdout until its "listening on" line; returns it or None."""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            return None
        if line.startswith("listening on "):
            return line
    return None


@test
def server_and_admin_commands_started_together_on_a_new_file_all_succeed():
    scratch = Scratch()
    for round_ in range(20):
        db = scratch.file(f"race-{round_}.db")
        log = open(scratch.file(f"race-{round_}.log"), "w+")
        server = subprocess.Popen([SERVER_BIN, "--db", db, "--listen", "127.0.0.1:0"],
                                  stdout=subprocess.PIPE, stderr=log, text=True)
        user = subprocess.Popen([SERVER_BIN, "user", "add", "--name", "Race Mentor",
                                 "--email", "race@example.com", "--role", "mentor",
                                 "--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        package = subprocess.Popen([SERVER_BIN, "package", "add", "--name", "Race", "--db", db],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = user.communicate(timeout=20)
            eq(user.returncode, 0, f"round {round_}: user add: {err}")
            check(json.loads(out)["token"], out)
            out, err = package.communicate(timeout=20)
            eq(package.returncode, 0, f"round {round_}: package add: {err}")
            line = listening(server, time.monotonic() + 20)
            log.seek(0)
            check(line, f"round {round_}: the server did not start: {log.read()}")
        finally:
            for p in (server, user, package):
                if p.poll() is None:
                    p.terminate()
                p.wait(timeout=10)
            server.stdout.close()
            log.close()
        eq(server.returncode, 0, f"round {round_}: the server's exit status")
        with sqlite3.connect(db) as c:
            eq(c.execute("SELECT count(*) FROM users").fetchone()[0], 1)
            eq(c.execute("SELECT count(*) FROM packages").fetchone()[0], 1)
        c.close()


# The schema of dheya-server 0.1.0 (user_version 1), for the migration test.
VERSION_1 = """
CREATE TABLE users(id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('mentor', 'user')), token_hash TEXT NOT NULL UNIQUE,
  rating_sum INTEGER NOT NULL DEFAULT 0, rating_count INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL);
CREATE TABLE packages(id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE bookings(id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
  mentor_id TEXT NOT NULL REFERENCES users(id), package_id TEXT NOT NULL REFERENCES packages(id),
  session_number INTEGER NOT NULL, scheduled_at INTEGER NOT NULL,
  duration INTEGER NOT NULL DEFAULT 60, status TEXT NOT NULL DEFAULT 'SCHEDULED',
  meeting_url TEXT, provider TEXT, notes TEXT, meeting_started_at INTEGER,
  meeting_ended_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX bookings_by_user ON bookings(user_id, scheduled_at);
CREATE INDEX bookings_by_mentor ON bookings(mentor_id, scheduled_at);
CREATE TABLE feedback(booking_id TEXT NOT NULL REFERENCES bookings(id),
  author_id TEXT NOT NULL REFERENCES users(id),
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5), comment TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (booking_id, author_id));
CREATE TABLE idempotency(author_id TEXT NOT NULL, key TEXT NOT NULL,
  booking_id TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (author_id, key));
CREATE TABLE participants(id INTEGER PRIMARY KEY, booking_id TEXT NOT NULL REFERENCES bookings(id),
  name TEXT NOT NULL, email TEXT, joined_at INTEGER, left_at INTEGER);
CREATE TABLE webhook_events(provider TEXT NOT NULL, event_id TEXT NOT NULL,
  received_at INTEGER NOT NULL, PRIMARY KEY (provider, event_id));
PRAGMA user_version = 1;
"""


@test
def a_version_1_database_is_migrated_and_keeps_its_data():
    import hashlib
    import hmac
    scratch = Scratch()
    db = scratch.file("old.db")
    token = "a" * 64
    now = int(time.time())
    with sqlite3.connect(db) as c:
        c.executescript(VERSION_1)
        c.execute("INSERT INTO users VALUES ('u1', 'Old Mentor', 'old@example.com', 'mentor', "
                  "?, 0, 0, ?)", (hashlib.sha256(token.encode()).hexdigest(), now))
        c.execute("INSERT INTO packages VALUES ('p1', 'Old Package')")
        c.execute("INSERT INTO bookings(id, user_id, mentor_id, package_id, session_number, "
                  "scheduled_at, status, meeting_url, provider, created_at, updated_at) VALUES "
                  "('b1', 'u1', 'u1', 'p1', 1, ?, 'COMPLETED', 'https://meet.jit.si/x', "
                  "'jitsi', ?, ?)", (now, now, now))
        c.execute("INSERT INTO feedback VALUES ('b1', 'u1', 3, 'stored before', ?)", (now,))
        c.execute("INSERT INTO idempotency VALUES ('u1', 'old-key', 'b1', 200, "
                  "'{\"replayed\":true}', ?)", (now,))
        c.executemany("INSERT INTO webhook_events VALUES (?, 'evt-old', ?)",
                      [("jitsi", now), ("google-meet", now), ("zoom", now)])
    c.close()
    secret = "migration-secret"
    srv = Server(db=db, scratch=scratch, env={"WEBHOOK_SECRET": secret})
    with sqlite3.connect(db) as c:
        eq(c.execute("PRAGMA user_version").fetchone()[0], 3)
        eq(sorted(c.execute("SELECT scheme FROM webhook_events").fetchall()),
           [("generic",), ("zoom",)])
    c.close()
    m = srv.request("GET", "/api/sessions/b1/meeting", token=token)
    eq(m.status, 200, m.body)
    eq(m.json()["booking"]["feedback"], {"rating": 3, "comment": "stored before"})
    # A key stored before fingerprints existed replays as it did.
    r = srv.request("POST", "/api/sessions/b1/feedback", token=token, body={"rating": 5},
                    headers={"Idempotency-Key": "old-key"})
    eq((r.status, r.body.strip()), (200, '{"replayed":true}'))
    body = json.dumps({"id": "evt-old", "event": "meeting.started", "bookingId": "b1",
                       "occurredAt": "2030-01-01T00:00:00Z"}).encode()
    ts = str(int(time.time()))
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    r = srv.request("POST", "/api/webhooks/meeting", body=body, headers={
        "x-provider": "google-meet", "x-webhook-timestamp": ts,
        "x-webhook-signature": f"sha256={mac}"})
    eq(r.json(), {"received": True, "duplicate": True})
    srv.stop()


HOSTILE = ("quote \" backslash \\ slash / controls " + "".join(map(chr, range(1, 32))) +
           " del \x7f latin é cjk 漢字 emoji 😀 line-sep \u2028 end")


@test
def the_list_gives_the_meeting_routes_objects_as_valid_json():
    srv = Server(env={"WEBHOOK_SECRET": "s"})
    mentor, mentee, pkg = srv.cast("Same")
    other = srv.user("Other Mentee")
    odd = srv.user("Odd Mentee")
    def at(hours):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + hours * 3600))

    ids = [srv.book(mentee, mentor, pkg, when=at(1), notes=HOSTILE)["booking"]["id"],
           srv.book(other, mentor, pkg, when=at(2), notes=None)["booking"]["id"],
           srv.book(odd, mentor, pkg, when=at(3), notes="n")["booking"]["id"],
           srv.book(mentee, mentor, pkg, when=at(4), notes="none")["booking"]["id"]]
    with sqlite3.connect(srv.db) as c:
        # Stored text that is not UTF-8 (another program's write, an old command line).
        c.execute("UPDATE users SET name = CAST(? AS TEXT) WHERE id = ?",
                  (b"Bad \xff\xc3( Name", odd["id"]))
        rows = [(ids[0], "Ann", 100, 200), (ids[0], "Bob \"B\"", 150, None),
                (ids[1], "Cy", None, 300), (ids[2], HOSTILE, 50, None)]
        c.executemany("INSERT INTO participants(booking_id, name, joined_at, left_at) "
                      "VALUES (?, ?, ?, ?)", rows)
    c.close()
    eq(srv.request("POST", f"/api/sessions/{ids[1]}/complete", token=mentor["token"]).status,
       200)
    eq(srv.request("POST", f"/api/sessions/{ids[1]}/feedback", token=mentor["token"],
                   body={"rating": 4, "comment": HOSTILE}).status, 200)
    listed = srv.request("GET", "/api/sessions", token=mentor["token"])
    eq(listed.status, 200)
    sessions = json.loads(listed.body)["sessions"]
    eq([s["booking"]["id"] for s in sessions], ids, "every session, soonest first")
    for s in sessions:
        one = srv.request("GET", f"/api/sessions/{s['booking']['id']}/meeting",
                          token=mentor["token"])
        eq(one.status, 200, one.body)
        eq(json.loads(one.body), s, "the list's object is the meeting route's")
    eq(sessions[0]["booking"]["notes"], HOSTILE, "text comes back exactly")
    eq([p["name"] for p in sessions[0]["participants"]], ["Ann", "Bob \"B\""])
    eq(sessions[0]["participants"][0]["leftAt"], "1970-01-01T00:03:20Z")
    eq(sessions[1]["participants"], [{"name": "Cy", "joinedAt": None,
                                      "leftAt": "1970-01-01T00:05:00Z"}])
    eq(sessions[1]["booking"]["notes"], None)
    eq(sessions[1]["booking"]["feedback"], {"rating": 4, "comment": HOSTILE})
    eq(sessions[2]["participants"][0]["name"], HOSTILE)
    eq(sessions[2]["user"]["name"], "Bad \ufffd\ufffd( Name", "bytes that are not UTF-8")
    eq(sessions[3]["participants"], [])
    srv.stop()


def skip(why):
    print(f"# skipped: {why}", flush=True)


def at(hours):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + hours * 3600))


def refused_whole(r, what):
    """A write the database could not take: 5xx with the platform's JSON error."""
    check(500 <= r.status < 600, f"{what}: {r.status} {r.body}")
    check(isinstance(r.json().get("error"), str), f"{what}: {r.body}")


def signed_webhook(srv, secret, booking_id, event_id):
    body = json.dumps({"id": event_id, "event": "meeting.ended", "bookingId": booking_id,
                       "occurredAt": at(0)}).encode()
    ts = str(int(time.time()))
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return srv.request("POST", "/api/webhooks/meeting", body=body, headers={
        "x-provider": "jitsi", "x-webhook-timestamp": ts,
        "x-webhook-signature": f"sha256={mac}"})


def visible(srv, people, ids):
    """What the platform shows: each person's list and each session's meeting object."""
    seen = [srv.request("GET", "/api/sessions", token=p["token"]) for p in people]
    seen += [srv.request("GET", f"/api/sessions/{i}/meeting", token=people[0]["token"])
             for i in ids]
    for r in seen:
        eq(r.status, 200, r.body)
    return [r.json() for r in seen]


@test
def a_read_only_database_answers_reads_and_refuses_every_write_whole():
    secret = "read-only secret"
    prep = Server()
    mentor, mentee, pkg = prep.cast("Ro")
    done = prep.book(mentee, mentor, pkg)["booking"]["id"]
    prep.complete(done, mentor)
    booked = prep.book(mentee, mentor, pkg)["booking"]["id"]
    before = visible(prep, (mentor, mentee), (done, booked))
    prep.stop()
    with open(prep.db, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if os.geteuid() == 0:
        if not namespaces_work():
            return skip("root, and no user namespace to drop the right to write anything")
        # Owned by someone outside the namespace, whose root may read it but not write it.
        os.chown(prep.db, 54321, 54321)
        os.chmod(prep.db, 0o644)
        wrap = ["unshare", "-r"]
    else:
        os.chmod(prep.db, 0o444)
        wrap = []
    srv = Server(db=prep.db, scratch=prep.scratch, wrap=wrap, env={"WEBHOOK_SECRET": secret})
    eq(visible(srv, (mentor, mentee), (done, booked)), before, "reads as before")
    tries = {
        "complete": srv.request("POST", f"/api/sessions/{booked}/complete",
                                token=mentor["token"]),
        "feedback": srv.request("POST", f"/api/sessions/{done}/feedback", token=mentee["token"],
                                body={"rating": 5, "comment": "read-only"},
                                headers={"Idempotency-Key": "ro-1"}),
        "booking": srv.request("POST", "/api/bookings", token=mentee["token"], body={
            "mentorId": mentor["id"], "packageId": pkg, "sessionNumber": 2,
            "scheduledAt": at(5), "duration": 45, "notes": "n"}),
        "reschedule": srv.request("PATCH", f"/api/bookings/{booked}", token=mentee["token"],
                                  body={"scheduledAt": at(6), "duration": 30}),
        "cancel": srv.request("POST", f"/api/bookings/{booked}/cancel", token=mentee["token"]),
        "webhook": signed_webhook(srv, secret, booked, "evt-ro-1"),
    }
    for what, r in tries.items():
        refused_whole(r, what)
    eq(visible(srv, (mentor, mentee), (done, booked)), before, "nothing changed")
    eq(srv.stop(), 0, "the server ran on and stopped cleanly")
    with open(prep.db, "rb") as f:
        eq(hashlib.sha256(f.read()).hexdigest(), digest, "the file is untouched")


@test
def a_database_on_a_read_only_file_system_is_refused_at_start():
    if not namespaces_work():
        return skip("no user and mount namespaces here (unshare -rm)")
    prep = Server()
    prep.cast("Rofs")
    prep.stop()
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    p = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", prep.scratch.path,
                        SERVER_BIN, "--db", prep.db, "--listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=20)
    eq(p.returncode, 1, p.stderr)
    eq(p.stdout, "", "it never said it was listening")
    check(f"cannot open database {prep.db}" in p.stderr, p.stderr)
    check(not SANITIZER_REPORT.search(p.stderr), p.stderr)


class SmallDisk:
    """A tmpfs that a server started with wrap() keeps its database on, seen from here
    through /proc/PID/root (the mount exists only in the server's namespace)."""
    SCRIPT = ('mount -t tmpfs -o size={size},mode=0700 tmpfs "$1" && cp "$2" "$1/dheya.db" && '
              'shift 2 && exec "$@"')

    def __init__(self, scratch, size):
        self.mnt = scratch.file("disk")
        os.makedirs(self.mnt)
        self.size = size

    def wrap(self, prepared_db):
        return ["unshare", "-rm", "sh", "-c", self.SCRIPT.format(size=self.size), "sh",
                self.mnt, prepared_db]

    def attach(self, srv):
        self.dir = f"/proc/{srv.proc.pid}/root{self.mnt}"
        self.filler = os.path.join(self.dir, "filler")

    def fill(self, leave=0):
        """Fills the disk to the last byte, then frees `leave` bytes."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for chunk in (65536, 4096, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * chunk)
                except OSError as e:
                    eq(e.errno, errno.ENOSPC, "filling the disk")
        finally:
            os.close(fd)
        os.truncate(self.filler, max(0, os.path.getsize(self.filler) - leave))

    def free(self):
        os.truncate(self.filler, 0)

    def snapshot(self, scratch):
        """A copy of the database and its WAL, to read with sqlite3 here (SQLite resolves
        /proc/PID/root to our own /, where the tmpfs is not)."""
        out = scratch.file("snapshot")
        os.makedirs(out, exist_ok=True)
        for name in ("dheya.db", "dheya.db-wal"):
            src = os.path.join(self.dir, name)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(out, name))
        return os.path.join(out, "dheya.db")


@test
def a_full_disk_refuses_writes_whole_and_reads_go_on():
    if not namespaces_work():
        return skip("no user and mount namespaces here (unshare -rm)")
    secret = "full disk secret"
    prep = Server(args=["--rate-limit", "0"])
    mentor, mentee, pkg = prep.cast("Full")
    # Each write is tried with 0, 4, 8... 60 KB left: it fails before, inside or after its
    # transaction's pages; more than one free page stays the same or works.
    leaves = range(0, 64 * 1024, 4096)
    to_rate = [prep.book(mentee, mentor, pkg, when=at(-2))["booking"]["id"] for _ in leaves]
    for b in to_rate:
        prep.complete(b, mentor)
    to_end = [prep.book(mentee, mentor, pkg, when=at(-1))["booking"]["id"] for _ in leaves]
    prepared = len(to_rate) + len(to_end)
    prep.stop()
    disk = SmallDisk(prep.scratch, "1m")
    srv = Server(args=["--rate-limit", "0"], scratch=prep.scratch, env={"WEBHOOK_SECRET": secret},
                 db=os.path.join(disk.mnt, "dheya.db"), wrap=disk.wrap(prep.db))
    disk.attach(srv)
    booked, pending, rated, ended, refused = [], [], {}, set(), {}
    for i, leave in enumerate(leaves):
        disk.fill(leave)
        r = srv.request("POST", "/api/bookings", token=mentee["token"], body={
            "mentorId": mentor["id"], "packageId": pkg, "sessionNumber": 1, "duration": 30,
            "scheduledAt": at(24 + i), "notes": f"{i} " + "n" * 3000})
        if r.status == 201:
            b = r.json()["booking"]
            booked.append(b["id"])
            if b["meetingUrl"] is None:
                pending.append(b["id"])
        else:
            refused_whole(r, f"booking with {leave} bytes left")
            refused["booking"] = refused.get("booking", 0) + 1
        disk.fill(leave)
        rating = 1 + i % 5
        r = srv.request("POST", f"/api/sessions/{to_rate[i]}/feedback", token=mentee["token"],
                        body={"rating": rating, "comment": f"{i} " + "c" * 1500},
                        headers={"Idempotency-Key": f"full-{i}"})
        if r.status == 200:
            rated[to_rate[i]] = rating
        else:
            refused_whole(r, f"feedback with {leave} bytes left")
            refused["feedback"] = refused.get("feedback", 0) + 1
        disk.fill(leave)
        r = srv.request("POST", f"/api/sessions/{to_end[i]}/complete", token=mentor["token"])
        if r.status == 200:
            ended.add(to_end[i])
        else:
            refused_whole(r, f"complete with {leave} bytes left")
            refused["complete"] = refused.get("complete", 0) + 1
    print(f"# refused: {refused}; taken: {len(booked)} bookings ({len(pending)} without their "
          f"meeting yet), {len(rated)} feedbacks, {len(ended)} completions", flush=True)
    check(set(refused) == {"booking", "feedback", "complete"}, f"each kind refused: {refused}")
    check(booked and rated and ended, "and each kind taken once there was room")
    # Full to the last byte: every read still answers, a webhook is refused whole.
    disk.fill(0)
    mine = srv.request("GET", "/api/sessions?from=2000-01-01T00:00:00Z", token=mentee["token"])
    eq(mine.status, 200, mine.body)
    eq(len(mine.json()["sessions"]), prepared + len(booked), "every booking taken, no other")
    for b in to_rate[:3] + booked[:3]:
        eq(srv.request("GET", f"/api/sessions/{b}/meeting", token=mentor["token"]).status, 200)
    refused_whole(signed_webhook(srv, secret, to_end[-1], "evt-full-1"), "webhook")
    # What the database holds: each write whole or not at all.
    db = sqlite3.connect(disk.snapshot(prep.scratch))
    try:
        eq(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        eq(dict(db.execute("SELECT booking_id, rating FROM feedback")), rated,
           "a feedback for each one answered 200, and no other")
        eq(sorted(k for (k,) in db.execute("SELECT key FROM idempotency")),
           sorted(f"full-{to_rate.index(b)}" for b in rated), "its key with each")
        eq(db.execute("SELECT rating_sum, rating_count FROM users WHERE id = ?",
                      (mentor["id"],)).fetchone(), (sum(rated.values()), len(rated)),
           "the mentor's rating counts each stored feedback, and no other")
        eq({b for (b,) in db.execute("SELECT id FROM bookings WHERE status = 'COMPLETED'")},
           set(to_rate) | ended, "completed: the ones answered 200")
        eq(db.execute("SELECT count(*) FROM webhook_events").fetchone()[0], 0)
        eq(sorted(b for (b,) in db.execute("SELECT id FROM bookings WHERE meeting_url IS NULL")),
           sorted(pending), "no meeting only where the answer said so")
    finally:
        db.close()
    # Room again: a booking whose meeting could not be stored gets it from the meeting route
    # ("get or create", as after a provider's failure), and a refused feedback can be sent
    # again (nothing of it was left to say 409).
    disk.free()
    for b in pending:
        r = srv.request("GET", f"/api/sessions/{b}/meeting", token=mentee["token"])
        eq(r.status, 200, r.body)
        check(r.json()["booking"]["meetingUrl"], f"{b}: {r.body}")
    again = next(b for b in to_rate if b not in rated)
    i = to_rate.index(again)
    r = srv.request("POST", f"/api/sessions/{again}/feedback", token=mentee["token"],
                    body={"rating": 1 + i % 5, "comment": f"{i} " + "c" * 1500},
                    headers={"Idempotency-Key": f"full-{i}"})
    eq(r.status, 200, r.body)
    eq(srv.stop(), 0, "the server ran on and stopped cleanly")


run()
