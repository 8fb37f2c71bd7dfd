"""`dheya-meet join`: the meeting URL launched in the browser as one argument, never through
a shell; the choice of browser; no launch over SSH or without a display; hostile URLs refused."""
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (Client, Scratch, Server, browser_recorder, check, eq, read_record,  # noqa
                     run, test)

srv = Server()
mentor = srv.user("Jane \"JJ\" Smith", "mentor")
mentee = srv.user("John Doe")
pkg = srv.package()


def booking():
    return srv.book(mentee, mentor, pkg)["booking"]


def fake_opener(scratch, name):
    """A program called NAME in a fresh directory that records how it was called."""
    d = scratch.file("bin-" + name)
    os.makedirs(d, exist_ok=True)
    script, record = browser_recorder(scratch)
    os.symlink(script, os.path.join(d, name))
    return d, record


@test
def browser_gets_the_url_as_one_argument_with_the_display_name():
    b = booking()
    s = Scratch()
    script, record = browser_recorder(s)
    c = Client(srv, mentor["token"])
    r = c.run("join", b["id"], env={"BROWSER": script, "DISPLAY": ":0"})
    eq(r.returncode, 0, r.err)
    want = b["meetingUrl"] + "#userInfo.displayName=%22Jane%20%5C%22JJ%5C%22%20Smith%22"
    check(f"Meeting URL: {want}" in r.out, r.out)
    check("Opened in the browser" in r.out, r.out)
    argv = read_record(record)
    eq(argv, [script, want], "exactly one argument, the whole URL")


@test
def browser_lists_and_placeholders():
    b = booking()
    s = Scratch()
    script, record = browser_recorder(s)
    c = Client(srv, mentor["token"])
    r = c.run("join", b["id"], env={"BROWSER": f"/no/such/browser:{script}", "DISPLAY": ":0"})
    eq(r.returncode, 0, r.err)
    eq(len(read_record(record)), 2, "the next entry of $BROWSER is used")
    os.unlink(record)
    c.config(f"browser = {script} --new-window 'url=%s'\n")
    r = c.run("join", b["id"], env={"BROWSER": "/no/such/browser"})
    eq(r.returncode, 0, r.err)
    argv = read_record(record)
    eq(argv[1], "--new-window")
    check(argv[2].startswith("url=" + b["meetingUrl"]), argv)
    eq(len(argv), 3, "the config's browser wins over $BROWSER; %s placed once")


@test
def system_opener_when_nothing_is_configured():
    b = booking()
    s = Scratch()
    bindir, record = fake_opener(s, "xdg-open")
    c = Client(srv, mentor["token"])
    r = c.run("join", b["id"], env={"PATH": f"{bindir}:/usr/bin:/bin", "DISPLAY": ":0"})
    eq(r.returncode, 0, r.err)
    check("xdg-open" in r.out, r.out)
    eq(read_record(record)[1], b["meetingUrl"] + "#userInfo.displayName="
       "%22Jane%20%5C%22JJ%5C%22%20Smith%22")


@test
def over_ssh_or_without_display_it_only_prints():
    b = booking()
    s = Scratch()
    bindir, record = fake_opener(s, "xdg-open")
    c = Client(srv, mentor["token"])
    for env in ({"SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22", "DISPLAY": ":0"}, {}):
        r = c.run("join", b["id"], env={"PATH": f"{bindir}:/usr/bin:/bin", **env})
        eq(r.returncode, 0, r.err)
        check(b["meetingUrl"] in r.out, "the whole URL is shown")
        check("Not opening a browser" in r.out, r.out)
    check(not os.path.exists(record), "no browser launched")
    script, record2 = browser_recorder(Scratch())
    r = c.run("join", b["id"], env={"SSH_TTY": "/dev/pts/1", "BROWSER": script})
    eq(r.returncode, 0)
    eq(len(read_record(record2)), 2, "a configured browser is used even over SSH")


@test
def no_browser_at_all_shows_the_url_and_fails():
    b = booking()
    c = Client(srv, mentor["token"])
    r = c.run("join", b["id"], env={"PATH": "/nonexistent", "DISPLAY": ":0"})
    eq(r.returncode, 1)
    check(b["meetingUrl"] in r.out, r.out)
    check("no browser could be started" in r.err, r.err)
    r = c.run("join", b["id"], env={"BROWSER": "/no/such/thing", "DISPLAY": ":0"})
    eq(r.returncode, 1)
    check("/no/such/thing (No such file or directory)" in r.err, r.err)


@test
def hostile_meeting_urls_are_never_launched():
    s = Scratch()
    script, record = browser_recorder(s)
    c = Client(srv, mentor["token"])
    pwned = s.file("pwned")
    for url in ("file:///etc/passwd", "javascript:alert(1)", "data:text/html,<b>x</b>",
                "dheya://open", "-https://meet.jit.si/x", "--remote-debugging-port=9222",
                f"https://meet.jit.si/$(touch {pwned})", "https://meet.jit.si/x;sh;",
                "https://meet.jit.si/a b", "https://meet.jit.si/a\rb", "http://evil.example/x",
                "https://meet.jit.si/" + "a" * 10000, "https://meet.jit.si/x`id`"):
        b = booking()
        with sqlite3.connect(srv.db) as db:
            db.execute("UPDATE bookings SET meeting_url = ? WHERE id = ?", (url, b["id"]))
        r = c.run("join", b["id"], env={"BROWSER": script, "DISPLAY": ":0"})
        eq(r.returncode, 1, url[:60])
        check("not opening" in r.err, r.err)
        check("\r" not in r.err and "\x1b" not in r.err)
    check(not os.path.exists(record), "no browser launched")
    check(not os.path.exists(pwned), "no shell ran")


@test
def plain_http_meeting_urls_are_never_launched_even_to_loopback():
    # The API may be plain http on this machine; a meeting URL may not: it comes from the
    # server and would point the browser at a local service (CUPS, a dev server).
    s = Scratch()
    script, record = browser_recorder(s)
    c = Client(srv, mentor["token"])
    for url in ("http://127.0.0.1:631/admin/conf?x=1", "http://localhost:8080/room",
                "http://[::1]:9/x", "HTTP://127.0.0.1/x"):
        b = booking()
        with sqlite3.connect(srv.db) as db:
            db.execute("UPDATE bookings SET meeting_url = ? WHERE id = ?", (url, b["id"]))
        r = c.run("join", b["id"], env={"BROWSER": script, "DISPLAY": ":0"})
        eq(r.returncode, 1, url)
        check("not opening" in r.err and "only https" in r.err, r.err)
    check(not os.path.exists(record), "no browser launched")


@test
def cancelled_sessions_have_nothing_to_join():
    b = booking()
    with sqlite3.connect(srv.db) as db:
        db.execute("UPDATE bookings SET status = 'CANCELLED' WHERE id = ?", (b["id"],))
    r = Client(srv, mentor["token"]).run("join", b["id"])
    eq(r.returncode, 1)
    check("cancelled" in r.err, r.err)


run()
