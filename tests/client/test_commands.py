"""dheya-meet's commands against a real dheya-server: a whole session from the shell, the
token rules, bad usage, and hostile text from the server."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import Client, Server, check, eq, run, test  # noqa: E402

srv = Server()
mentor = srv.user("Jane Smith", "mentor")
other = srv.user("Omar Haddad", "mentor")
mentee = srv.user("John Doe")
pkg = srv.package("Destination Mastery")
cli = Client(srv, mentor["token"])


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def booking(offset=600, notes="Career transition discussion", who=mentor):
    return srv.book(mentee, who, pkg, when=iso(offset), notes=notes)["booking"]


@test
def a_whole_session_from_the_shell():
    b = booking()
    r = cli.run("list")
    eq(r.returncode, 0, r.err)
    line = next(ln for ln in r.out.splitlines() if b["id"] in ln)
    check("John Doe" in line and "Destination Mastery" in line and "SCHEDULED" in line, line)
    check(re.search(r"in (9|10) min", line), line)
    check("UTC" in line, "local time with the zone: " + line)
    r = cli.run("show", b["id"])
    eq(r.returncode, 0, r.err)
    for want in ("John Doe <john.doe@example.com>", "Jane Smith", "Destination Mastery",
                 "60 min", "SCHEDULED", b["meetingUrl"], "Career transition discussion"):
        check(want in r.out, f"{want!r} in {r.out}")
    r = cli.run("complete", b["id"])
    eq(r.returncode, 0, r.err)
    check("COMPLETED" in r.out, r.out)
    line = next(ln for ln in cli.run("list").out.splitlines() if b["id"] in ln)
    check("completed" in line and " in " not in line, line)
    r = cli.run("feedback", b["id"], "--rating", "5", "--comment", "Très bien — 很好")
    eq(r.returncode, 0, r.err)
    check("5/5" in r.out, r.out)
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentor["token"]).json()
    eq(m["booking"]["status"], "COMPLETED")
    eq(m["booking"]["feedback"], {"rating": 5, "comment": "Très bien — 很好"})
    r = cli.run("show", b["id"])
    check("★★★★★" in r.out and "Très bien" in r.out, r.out)


@test
def list_and_show_as_json():
    b = booking(notes="line one\nline two")
    r = cli.run("list", "--json")
    eq(r.returncode, 0, r.err)
    data = json.loads(r.out)
    ids = [s["booking"]["id"] for s in data["sessions"]]
    check(b["id"] in ids)
    starts = [s["booking"]["scheduledAt"] for s in data["sessions"]]
    eq(starts, sorted(starts), "soonest first")
    r = cli.run("show", b["id"], "--json")
    m = json.loads(r.out)
    eq(m["booking"]["notes"], "line one\nline two")
    eq(m["user"]["name"], "John Doe")
    eq(m["booking"]["meetingUrl"], b["meetingUrl"])
    check(all(ord(ch) < 128 for ch in r.out), "escaped to ASCII")


@test
def feedback_comment_from_stdin():
    b = booking()
    eq(cli.run("complete", b["id"]).returncode, 0)
    r = cli.run("feedback", b["id"], "--rating", "3", "--comment", "-",
                stdin="from stdin\nsecond line\n".encode())
    eq(r.returncode, 0, r.err)
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentor["token"]).json()
    eq(m["booking"]["feedback"]["comment"], "from stdin\nsecond line")


@test
def errors_from_the_platform_are_clear():
    b = booking()
    r = cli.run("feedback", b["id"], "--rating", "4")
    eq(r.returncode, 1)
    check("409" in r.err and "COMPLETED" in r.err, r.err)
    eq(cli.queued(), [], "a permanent refusal is not queued")
    r = cli.run("show", "bnosuchsession")
    eq(r.returncode, 1)
    check("no such session (404)" in r.err, r.err)
    theirs = booking(who=other)
    for cmd in (["show", theirs["id"]], ["complete", theirs["id"]], ["join", theirs["id"]]):
        r = cli.run(*cmd)
        eq(r.returncode, 1, cmd)
        check("not your session (403)" in r.err, r.err)


@test
def token_missing_or_rejected_exits_4():
    r = cli.run("list", env={"DHEYA_TOKEN": None})
    eq(r.returncode, 4)
    check("no token" in r.err and "DHEYA_TOKEN" in r.err, r.err)
    r = cli.run("list", env={"DHEYA_TOKEN": "wrong"})
    eq(r.returncode, 4)
    check("rejected the token (401)" in r.err, r.err)


@test
def token_files_must_be_private():
    c = Client(srv)
    path = c.config(f"token = {mentor['token']}\n", mode=0o644)
    r = c.run("list")
    eq(r.returncode, 4)
    check(path in r.err and "chmod 600" in r.err and "0644" in r.err, r.err)
    os.chmod(path, 0o600)
    eq(c.run("list").returncode, 0)
    tf = c.scratch.file("token")
    with open(tf, "w") as f:
        f.write(mentor["token"] + "\n")
    os.chmod(tf, 0o640)
    c.config(f"token_file = {tf}\n", mode=0o644)
    r = c.run("list")
    eq(r.returncode, 4)
    check(tf in r.err and "chmod 600" in r.err, r.err)
    os.chmod(tf, 0o600)
    r = c.run("list")
    eq(r.returncode, 0, r.err)


@test
def files_others_could_change_are_refused():
    c = Client(srv)
    tf = c.scratch.file("token")
    with open(tf, "w") as f:
        f.write(mentor["token"] + "\n")
    os.chmod(tf, 0o600)
    marker = c.scratch.file("browser-ran")
    evil = f"browser = /bin/sh -c 'touch {marker}'\ntoken_file = {tf}\n"
    path = c.config(evil, mode=0o666)
    b = booking()
    r = c.run("join", b["id"], env={"DISPLAY": ":0"})
    eq(r.returncode, 1, r.out + r.err)
    check(path in r.err and "can be changed by others" in r.err and "chmod go-w" in r.err,
          r.err)
    check(not os.path.exists(marker), "the browser command of a file others wrote never runs")
    c.config(evil, mode=0o620)
    eq(c.run("list").returncode, 1, "group-writable is refused too")
    c.config(f"token_file = {tf}\n", mode=0o644)
    eq(c.run("list").returncode, 0, "readable by others is fine without a token in it")
    os.chmod(tf, 0o620)
    r = c.run("list")
    eq(r.returncode, 4)
    check(tf in r.err, r.err)
    os.chmod(tf, 0o600)
    if os.getuid() == 0:  # only root can give a file away
        os.chown(tf, 12345, -1)
        r = c.run("list")
        eq(r.returncode, 4)
        check("belongs to another user" in r.err, r.err)
        os.chown(tf, 0, -1)
        os.chown(path, 12345, -1)
        r = c.run("list")
        eq(r.returncode, 1)
        check("belongs to another user" in r.err, r.err)
        os.chown(path, 0, -1)
    shared = c.scratch.file("shared")
    os.makedirs(shared)
    os.chmod(shared, 0o777)
    moved = os.path.join(shared, "token")
    os.rename(tf, moved)
    c.config(f"token_file = {moved}\n")
    r = c.run("list")
    eq(r.returncode, 4)
    check("others can replace it" in r.err, r.err)
    os.chmod(shared, 0o1777)  # sticky, as /tmp: others cannot replace our file
    eq(c.run("list").returncode, 0)


@test
def a_token_file_that_is_not_a_regular_file_is_refused_at_once():
    c = Client(srv)
    fifo = c.scratch.file("token-fifo")
    os.mkfifo(fifo, 0o600)
    c.config(f"token_file = {fifo}\n")
    r = c.run("list", timeout=10)
    eq(r.returncode, 4)
    check("not a regular file" in r.err, r.err)
    check(r.elapsed < 5, f"{r.elapsed:.1f} s")
    r = c.run("list", "--config", fifo, timeout=10)
    eq(r.returncode, 1)
    check("not a regular file" in r.err, r.err)


@test
def the_address_comes_from_flag_env_or_config():
    c = Client(None, mentor["token"])
    r = c.run("list")
    eq(r.returncode, 2)
    check("--api" in r.err and "DHEYA_API_URL" in r.err, r.err)
    eq(c.run("list", "--api", srv.url).returncode, 0)
    c.config(f"api_url = {srv.url}\n")
    eq(c.run("list").returncode, 0)
    r = c.run("list", env={"DHEYA_API_URL": "http://example.com"})
    eq(r.returncode, 2)
    check("loopback" in r.err, r.err)
    r = c.run("list", "--api", "ftp://127.0.0.1/")
    eq(r.returncode, 2)


@test
def config_errors_name_the_line():
    c = Client(srv, mentor["token"])
    c.config("api_url = x\nthis line is wrong\n")
    r = c.run("list")
    eq(r.returncode, 1)
    check("config:2: expected key = value" in r.err, r.err)
    c.config("colour = blue\n")
    r = c.run("list")
    check("unknown key 'colour'" in r.err, r.err)
    c.config("timeout_seconds = forever\n")
    check("timeout_seconds" in c.run("list").err)
    r = c.run("list", "--config", c.scratch.file("missing"))
    eq(r.returncode, 1)
    check("cannot read the config file" in r.err, r.err)


@test
def bad_usage_exits_2():
    cases = [(["bogus"], "unknown command"), (["show"], "session ID"),
             (["feedback", "b1"], "--rating"), (["feedback", "b1", "--rating", "6"], "1 to 5"),
             (["feedback", "b1", "--rating", "x"], "1 to 5"),
             (["feedback", "b1", "--rating", "5", "--comment", "x" * 2001], "2000"),
             (["complete", "b1", "--json"], "--json"), (["list", "--rating", "3"], "--rating"),
             (["list", "--nope"], "unknown option"), (["show", "a", "b"], "unexpected"),
             (["list", "--api"], "needs a value"), ([], "need a terminal")]
    for args, word in cases:
        r = cli.run(*args)
        eq(r.returncode, 2, args)
        check(word in r.err, f"{args}: {r.err}")
    r = cli.run("feedback", "b1", "--rating", "5", "--comment", "-", stdin=b"\xff\xfe bad")
    eq(r.returncode, 2)
    check("UTF-8" in r.err, r.err)


@test
def help_and_version():
    r = cli.run("--help")
    eq(r.returncode, 0)
    for word in ("list", "show", "join", "complete", "feedback", "sync", "exit status"):
        check(word in r.out, word)
    r = cli.run("feedback", "--help")
    eq(r.returncode, 0)
    check("--rating" in r.out, r.out)
    r = cli.run("--version")
    check(re.match(r"dheya-meet \d+\.\d+\.\d+", r.out), r.out)


def terminal_safe(text):
    bad = [c for c in text if (ord(c) < 32 and c not in "\n") or 0x7f <= ord(c) <= 0x9f]
    return not bad


@test
def hostile_server_text_never_reaches_the_terminal_raw():
    evil_name = "\x1b]0;pwned\x07Eve\x1b[2J\u202eevil\u200b\x9b31m\ttab\rcr"
    evil = srv.user(evil_name)
    notes = "\x1b]52;c;ZXZpbA==\x07notes\x1bP+q\x1b\\ end\x1b"
    b = srv.book(evil, mentor, pkg, when=iso(900), notes=notes)["booking"]
    for args in (["list"], ["show", b["id"]], ["list", "--json"], ["show", b["id"], "--json"]):
        r = cli.run(*args)
        eq(r.returncode, 0, r.err)
        check(terminal_safe(r.out), f"{args}: {r.out!r}")
        check("\x1b" not in r.out and "\x9b" not in r.out)
    r = cli.run("show", b["id"])
    check("<U+202E>" in r.out and "<U+200B>" in r.out, r.out)
    check("␛" in r.out, "escapes are shown, visibly")
    r = cli.run("list")
    lines = [ln for ln in r.out.splitlines() if ln.strip()]
    ids = [ln.rsplit(" ", 1)[-1] for ln in lines[1:]]
    check(all(re.fullmatch(r"b[0-9a-f]+", i) for i in ids), f"one row per session: {lines}")
    widths = {len(ln) - len(ln.rsplit(' ', 1)[-1]) for ln in lines[1:]}
    eq(len(widths), 1, "columns stay aligned")


run()
