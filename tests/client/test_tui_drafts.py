"""Nothing the mentor types is lost, in a real terminal: a feedback draft survives kill -9
while typing, a feedback submitted while the platform is down is queued, then delivered
exactly once when it is back, and a feedback submitted after its session's completion was
queued goes behind that completion instead of being refused."""
import glob
import json
import os
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (CLIENT_BIN, Client, Server, check, eq, run, test,  # noqa: E402
                     wait_for)
from term import Term  # noqa: E402

srv = Server()


def completed_booking(label):
    mentor, mentee, pkg = srv.cast(label)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1800))
    b = srv.book(mentee, mentor, pkg, when=when)["booking"]
    srv.complete(b["id"], mentor)
    return mentor, b


def drafts(client):
    """The drafts on disk: [(rating, comment)]."""
    out = []
    state = client.env["XDG_STATE_HOME"]
    for path in glob.glob(os.path.join(state, "dheya-meet", "drafts", "*.json")):
        try:
            with open(path) as f:
                d = json.load(f)
            out.append((d.get("rating"), d.get("comment")))
        except (OSError, ValueError):
            out.append(None)  # must never happen: saves are atomic
    return out


def feedback_rows(bid):
    with sqlite3.connect(srv.db) as c:
        return c.execute("SELECT rating, comment FROM feedback WHERE booking_id = ?",
                         (bid,)).fetchall()


@test
def a_draft_survives_kill_9_while_typing():
    mentor, b = completed_booking("Fay")
    with Term(80, 24) as t:
        c = Client(srv, mentor["token"], scratch=t.scratch)
        t.run([CLIENT_BIN, "--session", b["id"]], env=c.env)
        t.wait_for("Session 1 with Fay Mentee")
        t.send_keys("f")
        t.wait_for("How did the session with Fay Mentee go?")
        t.send_keys("3", "Tab")
        t.wait_for("3/5 Good")
        comment = "Brouillon: ça tient 草稿 ✓"
        t.type(comment)
        t.wait_for(comment)
        # Saved as typed: at most a few writes a second, so within a second of the screen.
        wait_for(lambda: drafts(c) == [(3, comment)], 1.0, "the draft on disk")
        t.type(" more")
        t.wait_for(comment + " more")
        os.kill(t.pid(), signal.SIGKILL)
        eq(t.wait_exit(), 128 + signal.SIGKILL)
        check(drafts(c) in ([(3, comment)], [(3, comment + " more")]),
              f"the old draft or the new one: {drafts(c)}")
        t.run([CLIENT_BIN, "--session", b["id"]], env=c.env)
        t.wait_for("Session 1 with Fay Mentee")
        t.send_keys("f")
        s = t.wait_for("Your saved draft was restored")
        check("3/5 Good" in s, s)
        check(comment in s, s)
        t.send_keys("Escape")
        t.wait_for("Draft kept")
        t.send_keys("q")
        eq(t.wait_exit(), 0)
    eq(feedback_rows(b["id"]), [], "nothing was sent")


@test
def feedback_queued_while_the_server_is_down_is_delivered_once():
    mentor, b = completed_booking("Gil")
    with Term(80, 24) as t:
        c = Client(srv, mentor["token"], scratch=t.scratch)
        t.run([CLIENT_BIN, "--session", b["id"]], env=c.env)
        t.wait_for("Session 1 with Gil Mentee")
        s = t.wait_for("Not rated yet: f opens the feedback form.")
        # A completed session: nothing to tick, join or end in the key bar.
        eq(s.splitlines()[-1], "r Reopen  s Sidebar  f Feedback  ? Help  q Back")
        t.send_keys("f")
        t.wait_for("How did the session with Gil Mentee go?")
        t.send_keys("5", "Tab")
        comment = "Queued, not lost ✓"
        t.type(comment)
        t.wait_for(comment)
        srv.stop()
        try:
            t.send_keys("C-s")
            wait_for(lambda: len(c.queued()) == 1, 10, "one submission in the outbox")
            # The mentor is told (checked at the end, so that a failure here does not hide
            # whether the submission is delivered).
            try:
                told = t.wait_for("queued, will be sent", timeout=3)
            except AssertionError as e:
                told = e
            eq(drafts(c), [], "the draft became the queued submission")
            t.wait_for("Your feedback is queued; it will be sent.")
            t.send_keys("q")
            eq(t.wait_exit(), 0)
        finally:
            srv.restart()
        # The next run sends what is queued as it starts.
        t.run([CLIENT_BIN], env=c.env)
        t.wait_for("Gil Mentee")
        wait_for(lambda: feedback_rows(b["id"]) == [(5, comment)], 10, "the queued feedback")
        wait_for(lambda: c.queued() == [] and c.queued("claimed") == [], 10,
                 "the outbox emptied")
        t.send_keys("q")
        eq(t.wait_exit(), 0)
        # And a run after that has nothing more to send.
        t.run([CLIENT_BIN, "--session", b["id"]], env=c.env)
        t.wait_for("Your rating: ★★★★★ 5/5 · Queued, not lost ✓")
        t.send_keys("f")
        t.wait_for("You already rated this session 5/5")
        t.send_keys("q")
        eq(t.wait_exit(), 0)
    eq(feedback_rows(b["id"]), [(5, comment)], "exactly once")
    check(isinstance(told, str), f"the status line said the feedback was queued: {told}")


@test
def keys_typed_while_the_terminal_is_too_small_wait_and_are_not_lost():
    mentor, b = completed_booking("Ivo")
    with Term(80, 24) as t:
        c = Client(srv, mentor["token"], scratch=t.scratch)
        t.run([CLIENT_BIN, "--session", b["id"]], env=c.env)
        t.wait_for("Session 1 with Ivo Mentee")
        t.send_keys("f")
        t.wait_for("How did the session with Ivo Mentee go?")
        t.send_keys("2", "Tab")
        t.wait_for("2/5")
        t.resize(40, 10)
        t.wait_for("terminal too small")
        t.type("typed blind, q and all")
        t.resize(80, 24)
        s = t.wait_for("typed blind, q and all")
        check("2/5" in s, s)
        wait_for(lambda: drafts(c) == [(2, "typed blind, q and all")], 2, "the draft on disk")
        t.send_keys("Escape", "q")
        eq(t.wait_exit(), 0)


def booking_status(bid):
    with sqlite3.connect(srv.db) as c:
        return c.execute("SELECT status FROM bookings WHERE id = ?", (bid,)).fetchone()[0]


@test
def feedback_after_a_queued_completion_follows_it():
    mentor, mentee, pkg = srv.cast("Hal")
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1800))
    b = srv.book(mentee, mentor, pkg, when=when)["booking"]
    with Term(80, 24) as t:
        c = Client(srv, mentor["token"], scratch=t.scratch)
        t.run([CLIENT_BIN, "--session", b["id"]], env=c.env)
        t.wait_for("Session 1 with Hal Mentee")
        srv.stop()
        try:
            t.send_keys("e")
            t.wait_for("End the session?")
            t.send_keys("y")
            t.wait_for("How did the session with Hal Mentee go?")
            eq(len(c.queued()), 1, "the completion is queued")
        finally:
            srv.restart()
        # The platform is back, but the completion is still only in the outbox: sent alone,
        # this feedback would be refused (409, before completion).
        t.send_keys("4")
        t.wait_for("4/5 Very good")
        t.send_keys("C-s")
        t.wait_for(lambda s: "How did" not in s)
        # Stored, in order: the feedback was accepted, so the completion came first.
        wait_for(lambda: feedback_rows(b["id"]) == [(4, "")], 10, "the feedback stored")
        eq(booking_status(b["id"]), "COMPLETED")
        wait_for(lambda: c.queued() == [] and c.queued("claimed") == [], 10,
                 "the outbox emptied")
        eq(c.queued("rejected"), [], "nothing refused")
        t.send_keys("q")
        eq(t.wait_exit(), 0)


if __name__ == "__main__":
    run()
