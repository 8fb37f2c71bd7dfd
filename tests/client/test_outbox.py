"""The outbox: a complete or feedback that cannot reach the platform is queued durably and
delivered exactly once later, by `sync` or by any later run."""
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, Client, Server, check, eq, run, test  # noqa: E402

srv = Server()
mentor = srv.user("Jane Smith", "mentor")
mentee = srv.user("John Doe")
pkg = srv.package()


def booking(completed=False):
    b = srv.book(mentee, mentor, pkg)["booking"]
    if completed:
        srv.complete(b["id"], mentor)
    return b


def feedback_rows(bid):
    with sqlite3.connect(srv.db) as c:
        return c.execute("SELECT rating, comment FROM feedback WHERE booking_id = ?",
                         (bid,)).fetchall()


@test
def queued_while_down_and_delivered_once_by_sync():
    b = booking(completed=True)
    c = Client(srv, mentor["token"])
    srv.stop()
    r = c.run("feedback", b["id"], "--rating", "4", "--comment", "kept safe")
    eq(r.returncode, 0, r.err)
    check("Queued" in r.out and "cannot connect" in r.out, r.out)
    files = c.queued()
    eq(len(files), 1)
    path = os.path.join(c.outbox, files[0])
    eq(stat.S_IMODE(os.stat(path).st_mode), 0o600)
    eq(stat.S_IMODE(os.stat(c.outbox).st_mode), 0o700)
    saved = json.load(open(path))
    eq((saved["kind"], saved["rating"], saved["comment"]), ("feedback", 4, "kept safe"))
    r = c.run("sync")
    eq(r.returncode, 1, "still down")
    check("1 still queued" in r.out, r.out)
    srv.start(srv.port)
    r = c.run("sync")
    eq(r.returncode, 0, r.err)
    check("1 sent, 0 still queued" in r.out, r.out)
    eq(c.queued(), [])
    eq(feedback_rows(b["id"]), [(4, "kept safe")])
    r = c.run("sync")
    check("Nothing queued" in r.out, r.out)
    eq(feedback_rows(b["id"]), [(4, "kept safe")], "exactly once")


@test
def a_later_run_sends_what_is_queued_in_order():
    b = booking()
    c = Client(srv, mentor["token"])
    srv.stop()
    eq(c.run("complete", b["id"]).returncode, 0)
    eq(c.run("feedback", b["id"], "--rating", "5").returncode, 0)
    eq(len(c.queued()), 2)
    srv.start(srv.port)
    r = c.run("list")
    eq(r.returncode, 0, r.err)
    check("sent the queued completion" in r.err and "sent the queued feedback" in r.err, r.err)
    eq(c.queued(), [])
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentor["token"]).json()
    eq(m["booking"]["status"], "COMPLETED")
    eq(m["booking"]["feedback"]["rating"], 5)


@test
def a_reply_lost_to_a_timeout_is_not_stored_twice():
    b = booking(completed=True)
    c = Client(srv, mentor["token"])
    c.config("timeout_seconds = 1\nretries = 0\n")
    srv.proc.send_signal(signal.SIGSTOP)
    try:
        r = c.run("feedback", b["id"], "--rating", "2", "--comment", "first try")
    finally:
        srv.proc.send_signal(signal.SIGCONT)
    eq(r.returncode, 0, r.err)
    check("Queued" in r.out and "timed out" in r.out, r.out)
    # The server now handles the request that was waiting in its socket, then the resend
    # carries the same Idempotency-Key and gets the first answer back.
    r = c.run("sync")
    eq(r.returncode, 0, r.out + r.err)
    eq(feedback_rows(b["id"]), [(2, "first try")])


@test
def a_permanent_refusal_during_sync_is_set_aside_not_lost():
    b = booking()  # not completed: the feedback will be refused with 409
    c = Client(srv, mentor["token"])
    srv.stop()
    eq(c.run("feedback", b["id"], "--rating", "3", "--comment", "my words").returncode, 0)
    srv.start(srv.port)
    r = c.run("sync")
    eq(r.returncode, 1)
    check("refused" in r.err and "409" in r.err, r.err)
    eq(c.queued(), [])
    rejected = os.path.join(c.outbox, "rejected")
    files = os.listdir(rejected)
    eq(len(files), 1)
    check("my words" in open(os.path.join(rejected, files[0])).read())


@test
def submissions_for_another_platform_wait_for_it():
    b = booking(completed=True)
    c = Client(srv, mentor["token"])
    srv.stop()
    eq(c.run("feedback", b["id"], "--rating", "5").returncode, 0)
    srv.start(srv.port)
    other = Server()
    u = other.user("Other", "mentor")
    r = c.run("sync", env={"DHEYA_API_URL": other.url, "DHEYA_TOKEN": u["token"]})
    eq(r.returncode, 1)
    eq(len(c.queued()), 1, "kept for its own platform")
    eq(c.run("sync").returncode, 0)
    other.stop()


@test
def save_order_is_fsync_rename_fsync_dir():
    b = booking()
    c = Client(srv, mentor["token"])
    srv.stop()
    trace = c.scratch.file("strace.log")
    p = subprocess.run(["strace", "-f", "-o", trace, "-e",
                        "trace=openat,fsync,rename,renameat,renameat2",
                        CLIENT_BIN, "complete", b["id"]],
                       # LeakSanitizer cannot run under ptrace; the other runs check leaks.
                       env={**c.env, "ASAN_OPTIONS": "detect_leaks=0"}, capture_output=True,
                       text=True)
    srv.start(srv.port)
    eq(p.returncode, 0, p.stderr)
    calls = open(trace).read().splitlines()
    tmp_fd = dir_fd = None
    order = []
    for line in calls:
        m = re.search(r'openat\(AT_FDCWD, "([^"]*outbox)", .*O_DIRECTORY.*= (\d+)', line)
        if m:
            dir_fd = m.group(2)
        m = re.search(r'openat\((\d+), "(\.[^"]+\.tmp)".*= (\d+)', line)
        if m:
            tmp_fd = m.group(3)
        m = re.search(r"fsync\((\d+)\)", line)
        if m:
            order.append(("fsync", "temp" if m.group(1) == tmp_fd else
                          "dir" if m.group(1) == dir_fd else m.group(1)))
        if re.search(r"rename(at2?)?\(", line):
            order.append(("rename", ""))
    eq(order, [("fsync", "temp"), ("rename", ""), ("fsync", "dir")])
    eq(c.run("sync").returncode, 0)


@test
def a_relative_xdg_state_home_is_ignored():
    b = booking()
    c = Client(srv, mentor["token"])
    srv.stop()
    r = c.run("complete", b["id"], env={"XDG_STATE_HOME": "relative/state"})
    srv.start(srv.port)
    eq(r.returncode, 0, r.err)
    default = os.path.join(c.home, ".local", "state", "dheya-meet", "outbox")
    eq(len(os.listdir(default)), 1)
    check(not os.path.exists("relative"), "nothing written to the relative path")
    r = c.run("sync", env={"XDG_STATE_HOME": "relative/state"})
    eq(r.returncode, 0, r.out + r.err)


@test
def an_unwritable_outbox_says_so():
    b = booking()
    c = Client(srv, mentor["token"])
    os.makedirs(os.path.dirname(c.outbox), exist_ok=True)
    with open(c.outbox, "w") as f:
        f.write("not a directory")
    srv.stop()
    r = c.run("complete", b["id"])
    eq(r.returncode, 1)
    check("could not be queued" in r.err, r.err)
    r = c.run("feedback", b["id"], "--rating", "4", "--comment", "words worth keeping")
    srv.start(srv.port)
    eq(r.returncode, 1)
    check("your comment, not sent:\nwords worth keeping" in r.err, r.err)


run()
