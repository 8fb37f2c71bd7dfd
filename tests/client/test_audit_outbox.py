"""Regression tests for the outbox findings of the audit (issue 6, items 1-6): a rejected
token is not a verdict on the submissions; an item is sent only under the identity that
queued it; one flush at a time, each item claimed atomically; origins compared normalised;
the flush runs beside the command's own call; an unreadable answer means "unknown"."""
import contextlib
import fcntl
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (CLIENT_BIN, SANITIZER_REPORT, Client, Server, check, eq, free_port,  # noqa
                     run, test, wait_for)
import responder as R  # noqa: E402

srv = Server()
mentor = srv.user("Jane Smith", "mentor")
mentee = srv.user("John Doe")
pkg = srv.package()
resp = R.Responder()

COMPLETED = '{"success": true, "booking": {"id": "b", "status": "COMPLETED"}}'
DOWN = R.answer(503, '{"error": "down for maintenance"}')


def feedback_ok(rating=5, comment=""):
    return R.answer(200, json.dumps({"success": True, "booking": {
        "id": "b", "feedback": {"rating": rating, "comment": comment}}}))


def booking(completed=False):
    b = srv.book(mentee, mentor, pkg)["booking"]
    if completed:
        srv.complete(b["id"], mentor)
    return b


def status_of(bid):
    return srv.request("GET", f"/api/sessions/{bid}/meeting",
                       token=mentor["token"]).json()["booking"]["status"]


def feedback_rows(bid):
    with sqlite3.connect(srv.db) as c:
        return c.execute("SELECT author_id, rating, comment FROM feedback WHERE booking_id = ?",
                         (bid,)).fetchall()


@contextlib.contextmanager
def revoked(user):
    """The platform rejects user's token (401) inside the block, as after a revocation."""
    with sqlite3.connect(srv.db) as c:
        old = c.execute("SELECT token_hash FROM users WHERE id = ?", (user["id"],)).fetchone()[0]
        c.execute("UPDATE users SET token_hash = ? WHERE id = ?", ("revoked-" + old, user["id"]))
    try:
        yield
    finally:
        with sqlite3.connect(srv.db) as c:
            c.execute("UPDATE users SET token_hash = ? WHERE id = ?", (old, user["id"]))


def queued_while_down(c, *args):
    """Runs a submission while srv is stopped, so that it is queued; starts srv again."""
    srv.stop()
    try:
        r = c.run(*args)
    finally:
        srv.start(srv.port)
    eq(r.returncode, 0, r.err)
    check("Queued" in r.out, r.out)


def responder_client(name, config="retries = 0\n"):
    """A client for the platform at resp.url/NAME, whose API answers 503 until switched."""
    switch = R.Switch(DOWN)
    resp.route_prefix(f"/{name}/api/", switch)
    c = Client(None, "responder-token")
    c.env["DHEYA_API_URL"] = f"{resp.url}/{name}"
    c.config(config)
    return c, switch


# Item 1: a 401 during a flush is about the token, not the submissions.

@test
def a_rejected_token_keeps_everything_queued_and_exits_4():
    b = booking(completed=True)
    c = Client(srv, mentor["token"])
    queued_while_down(c, "feedback", b["id"], "--rating", "4", "--comment", "still mine")
    with revoked(mentor):
        r = c.run("list")
        eq(r.returncode, 4, r.err)
        check("rejected the token" in r.err, r.err)
        eq(len(c.queued()), 1, "kept queued")
        eq(c.queued("rejected"), [], "a rejected token sets nothing aside")
        r = c.run("sync")
        eq(r.returncode, 4, r.out + r.err)
        check("1 still queued" in r.out and "rejected the token" in r.err, r.out + r.err)
        eq(len(c.queued()), 1)
    r = c.run("sync")
    eq(r.returncode, 0, r.out + r.err)
    check("1 sent, 0 still queued" in r.out, r.out)
    eq(feedback_rows(b["id"]), [(mentor["id"], 4, "still mine")])


@test
def sync_shows_what_the_platform_refused():
    b = booking()  # not completed: feedback is refused with 409
    c = Client(srv, mentor["token"])
    queued_while_down(c, "feedback", b["id"], "--rating", "3", "--comment", "my words")
    r = c.run("sync")
    eq(r.returncode, 1)
    check("refused" in r.err and "409" in r.err, r.err)
    eq(c.queued(), [])
    eq(len(c.queued("rejected")), 1)
    r = c.run("sync")
    check("Refused by the platform and kept" in r.out, r.out)
    line = next(ln for ln in r.out.splitlines() if b["id"] in ln)
    check("feedback 3/5" in line and "409" in line and "rejected" in line, line)


# Item 2: an item is sent only under the identity that queued it.

@test
def queued_items_are_sent_only_with_the_token_that_queued_them():
    b = booking(completed=True)
    c = Client(srv, mentee["token"])
    queued_while_down(c, "feedback", b["id"], "--rating", "2", "--comment", "from the mentee")
    text = open(os.path.join(c.outbox, c.queued()[0])).read()
    check(mentee["token"] not in text, "the token itself is never written")
    check(json.loads(text).get("account"), "who queued it is recorded")
    as_mentor = {"DHEYA_TOKEN": mentor["token"]}
    eq(c.run("list", env=as_mentor).returncode, 0)
    r = c.run("sync", env=as_mentor)
    eq(r.returncode, 1, r.out)
    check("1 queued by another account" in r.out, r.out)
    eq(feedback_rows(b["id"]), [], "nothing stored under the mentor's name")
    eq(len(c.queued()), 1)
    r = c.run("sync")
    eq(r.returncode, 0, r.out + r.err)
    eq(feedback_rows(b["id"]), [(mentee["id"], 2, "from the mentee")])


@test
def an_item_that_does_not_say_who_queued_it_is_not_sent_on_a_guess():
    b = booking()
    c = Client(srv, mentor["token"])
    os.makedirs(c.outbox, mode=0o700)
    with open(os.path.join(c.outbox, "1700000000000000000-legacy.json"), "w") as f:
        json.dump({"kind": "complete", "session": b["id"], "key": "legacy",
                   "api": srv.url, "queuedAt": "2023-11-14T22:13:20Z"}, f)
    r = c.run("sync")
    eq(r.returncode, 1, r.out + r.err)
    check("1 queued by another account" in r.out, r.out)
    eq(status_of(b["id"]), "SCHEDULED")
    eq(len(c.queued()), 1, "kept, not lost")


# Item 3: one flush at a time per state directory; items claimed atomically.

@test
def a_second_flush_skips_while_one_holds_the_lock():
    b = booking()
    c = Client(srv, mentor["token"])
    queued_while_down(c, "complete", b["id"])
    with open(os.path.join(c.outbox, ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = c.run("sync")
    eq(r.returncode, 1, r.out + r.err)
    check("Another dheya-meet is sending the outbox" in r.out, r.out)
    eq(status_of(b["id"]), "SCHEDULED", "nothing sent")
    eq(len(c.queued()), 1)
    r = c.run("sync")
    eq(r.returncode, 0, r.out + r.err)
    check("1 sent" in r.out, r.out)
    eq(status_of(b["id"]), "COMPLETED")


@test
def two_syncs_at_once_send_each_item_once_and_count_it_once():
    c, switch = responder_client("two")
    for i in range(40):
        eq(c.run("complete", f"b{i}").returncode, 0)
    eq(len(c.queued()), 40)
    switch.set(R.delayed(0.02, R.answer(200, COMPLETED)))
    before = len(resp.posts)
    procs = [subprocess.Popen([CLIENT_BIN, "sync"], env=c.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    outs = [tuple(x.decode() for x in p.communicate(timeout=60)) for p in procs]
    for out, err in outs:
        check(not SANITIZER_REPORT.search(err), err)
        check("was refused" not in err and not re.search(r"[1-9]\d* refused", out), out + err)
    paths = [p for p, _, _ in resp.posts[before:]]
    eq(len(paths), 40, "each item POSTed once")
    eq(len(set(paths)), 40)
    sent = [int(m.group(1)) for out, _ in outs for m in [re.search(r"(\d+) sent", out)] if m]
    eq(sum(sent), 40, f"counted once: {outs}")
    eq(c.queued(), [])


@test
def a_flush_killed_mid_item_leaves_it_claimed_and_the_next_one_sends_it():
    c, switch = responder_client("crash")
    eq(c.run("feedback", "b1", "--rating", "5", "--comment", "survives").returncode, 0)
    gate = threading.Event()
    switch.set(R.held(gate, feedback_ok(5, "survives")))
    before = len(resp.posts)
    p = subprocess.Popen([CLIENT_BIN, "sync"], env=c.env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        wait_for(lambda: len(resp.posts) > before, what="the flush's POST")
        eq(len(c.queued("claimed")), 1, "claimed while in flight")
        eq(c.queued(), [])
        p.kill()
        p.communicate()
    finally:
        gate.set()
    eq(len(c.queued("claimed")), 1, "the crash leaves the claim behind")
    r = c.run("sync")
    eq(r.returncode, 0, r.out + r.err)
    check("1 sent" in r.out, r.out)
    eq(c.queued("claimed") + c.queued(), [])
    keys = {h.get("idempotency-key") for _, h, _ in resp.posts[before:]}
    eq(len(keys), 1, "replayed with the same key")


# Item 4: origins compared normalised, and named when they differ.

@test
def a_trailing_slash_or_scheme_case_is_the_same_platform():
    b = booking(completed=True)
    c = Client(srv, mentor["token"])
    srv.stop()
    r = c.run("feedback", b["id"], "--rating", "5", env={"DHEYA_API_URL": srv.url + "/"})
    srv.start(srv.port)
    eq(r.returncode, 0, r.err)
    r = c.run("sync", env={"DHEYA_API_URL": srv.url.replace("http://", "HTTP://")})
    eq(r.returncode, 0, r.out + r.err)
    check("1 sent" in r.out, r.out)
    eq(feedback_rows(b["id"]), [(mentor["id"], 5, "")])


@test
def items_for_another_platform_say_which():
    elsewhere = f"http://127.0.0.1:{free_port()}"
    c = Client(None, mentor["token"])
    c.env["DHEYA_API_URL"] = elsewhere
    c.config("retries = 0\n")
    eq(c.run("complete", "b1").returncode, 0)
    r = c.run("sync", env={"DHEYA_API_URL": srv.url})
    eq(r.returncode, 1)
    check("1 queued for another platform address" in r.out and elsewhere in r.out, r.out)
    eq(len(c.queued()), 1)


# Item 5: the flush runs beside the command's own call.

@test
def a_hanging_platform_costs_one_timeout_not_two():
    c, switch = responder_client("slow", "timeout_seconds = 2\nretries = 0\n")
    eq(c.run("complete", "b1").returncode, 0)
    switch.set(R.hang)
    r = c.run("list")
    eq(r.returncode, 1)
    check("timed out" in r.err, r.err)
    check(r.elapsed < 3.5, f"one timeout, not two: {r.elapsed:.1f} s")
    eq(len(c.queued()), 1, "still queued")


@test
def a_submission_follows_the_queued_ones_of_its_session():
    b = booking()
    c = Client(srv, mentor["token"])
    queued_while_down(c, "complete", b["id"])
    r = c.run("feedback", b["id"], "--rating", "5", "--comment", "after the completion")
    eq(r.returncode, 0, r.out + r.err)
    check("sent the queued completion" in r.err and "Feedback sent" in r.out, r.out + r.err)
    eq(feedback_rows(b["id"]), [(mentor["id"], 5, "after the completion")])


# Item 6: an answer that cannot be read means "unknown": kept, replayed with the same key.

@test
def an_unreadable_answer_keeps_the_item_with_its_key():
    c, switch = responder_client("garbled")
    switch.set(R.answer(200, "this is not JSON {"))
    before = len(resp.posts)
    r = c.run("feedback", "b6", "--rating", "5", "--comment", "stored or not?")
    eq(r.returncode, 0, r.out + r.err)
    check("Queued" in r.out and "same key" in r.out, r.out)
    eq(len(c.queued()), 1)
    r = c.run("sync")
    eq(r.returncode, 1, r.out + r.err)
    check("1 still queued" in r.out, r.out)
    eq(len(c.queued()), 1, "not dropped")
    eq(c.queued("rejected"), [], "not refused")
    switch.set(feedback_ok(5, "stored or not?"))
    r = c.run("sync")
    eq(r.returncode, 0, r.out + r.err)
    check("1 sent" in r.out, r.out)
    keys = [h.get("idempotency-key") for _, h, _ in resp.posts[before:]]
    eq(len(keys), 3)
    eq(len(set(keys)), 1, "the same key every time")


run()
