"""dheya-server's command line: options, admin commands, --demo, provider configuration."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import SERVER_BIN, Scratch, Server, check, eq, run, test  # noqa: E402

tmp = Scratch()


def server(*args, env=None, timeout=10):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([SERVER_BIN, *args], capture_output=True, text=True, env=e,
                          timeout=timeout)


@test
def help_and_version():
    r = server("--help")
    eq(r.returncode, 0)
    check("usage: dheya-server" in r.stdout and "--listen" in r.stdout, r.stdout)
    r = server("--version")
    eq(r.returncode, 0)
    check(re.match(r"dheya-server \d+\.\d+\.\d+", r.stdout), r.stdout)


@test
def bad_usage_exits_2_with_a_reason():
    for args, word in ((["--bogus"], "--help"), (["--listen"], "--help"),
                       (["--rate-limit", "many"], "rate-limit"), (["extra"], "extra"),
                       (["--timeout", "0"], "timeout"),
                       (["user", "add", "--name", "X", "--role", "mentor"], "email"),
                       (["user", "add", "--name", "X", "--email", "x@y", "--role", "admin"],
                        "role"),
                       (["user", "remove"], "add"), (["package", "add"], "name"),
                       (["user", "add", "--name", "X", "--email", "x@y", "--role", "user",
                         "--listen", "127.0.0.1:0"], "--listen"),
                       (["--name", "X"], "--name")):
        r = server(*args, "--db", tmp.file("usage.db")) if args[0] in ("user", "package") \
            else server(*args)
        eq(r.returncode, 2, " ".join(args))
        check(word in r.stderr, f"{args}: {r.stderr}")


@test
def admin_commands_print_one_json_line():
    db = tmp.file("admin.db")
    r = server("user", "add", "--name", "Jane Smith", "--email", "jane@example.com", "--role",
               "mentor", "--db", db)
    eq(r.returncode, 0, r.stderr)
    eq(len(r.stdout.splitlines()), 1)
    u = json.loads(r.stdout)
    check(u["id"] and re.fullmatch(r"[0-9a-f]{64}", u["token"]), u)
    r = server("user", "add", "--name", "Again", "--email", "jane@example.com", "--role",
               "user", "--db", db)
    eq(r.returncode, 1)
    check("already exists" in r.stderr, r.stderr)
    r = server("package", "add", "--name", "Destination Mastery", "--db", db)
    eq(r.returncode, 0)
    check(json.loads(r.stdout)["id"])
    with sqlite3.connect(db) as c:
        eq(c.execute("PRAGMA user_version").fetchone()[0], 3)
        eq(c.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        stored = c.execute("SELECT token_hash FROM users").fetchone()[0]
        check(stored != u["token"], "tokens are stored hashed")


@test
def common_options_go_before_or_after_the_command():
    db = tmp.file("order.db")
    first = server("--db", db, "user", "add", "--name", "Before", "--email", "b@example.com",
                   "--role", "mentor")
    eq(first.returncode, 0, first.stderr)
    again = server("user", "add", "--name", "After", "--email", "b@example.com", "--db", db,
                   "--role", "user")
    eq(again.returncode, 1, "the same database, whichever side --db stands")
    check("already exists" in again.stderr, again.stderr)
    r = server("--db", db, "package", "add", "--name", "Mastery")
    eq(r.returncode, 0, r.stderr)
    with sqlite3.connect(db) as c:
        eq(c.execute("SELECT count(*) FROM packages").fetchone()[0], 1)


@test
def commands_have_their_own_help():
    for args, words in ((["user", "add", "--help"], ("user add", "--email", "--role")),
                        (["--help", "user", "add"], ("user add", "--email")),
                        (["package", "add", "--help"], ("package add", "--name"))):
        r = server(*args)
        eq(r.returncode, 0, f"{args}: {r.stderr}")
        check(r.stdout.startswith("usage: dheya-server " + words[0]), r.stdout)
        check(all(w in r.stdout for w in words), r.stdout)
        eq(r.stderr, "")


@test
def without_db_the_database_used_is_said():
    cwd = tmp.file("no-db")
    os.mkdir(cwd)
    where = os.path.join(os.path.realpath(cwd), "dheya.db")
    r = subprocess.run([SERVER_BIN, "user", "add", "--name", "N", "--email", "n@example.com",
                        "--role", "user"], cwd=cwd, capture_output=True, text=True, timeout=10)
    eq(r.returncode, 0, r.stderr)
    check(where in r.stderr, r.stderr)
    check(os.path.exists(where))
    srv = subprocess.Popen([SERVER_BIN, "--listen", "127.0.0.1:0"], cwd=cwd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        check(srv.stdout.readline().startswith("listening on "))
    finally:
        srv.terminate()
        out, err = srv.communicate(timeout=10)
    eq(srv.returncode, 0, err)
    check(where in err, err)
    r = server("user", "add", "--name", "M", "--email", "m@example.com", "--role", "user",
               "--db", tmp.file("said.db"))
    eq(r.stderr, "", "quiet when --db is given")


@test
def emails_are_checked_and_compared_whatever_their_case():
    db = tmp.file("email.db")

    def add(email):
        return server("user", "add", "--name", "E", "--email", email, "--role", "user",
                      "--db", db)

    for bad in ("@", "a@", "@b", "a", "a@b@c", "a b@x.org", "a@x y.org", "a\x01@x.org",
                "a@x\x7f.org", "\u00e4@x.org", "a@x..org", "a@.x.org", "a@x.org.",
                "a@-x.org", "a@x_y.org", "(a)@x.org", "a" * 65 + "@x.org", "a@" + "x" * 64,
                " a@x.org", "", "a\x1b[2J@x.org"):
        r = add(bad)
        eq(r.returncode, 2, repr(bad))
        check("--email" in r.stderr, f"{bad!r}: {r.stderr}")
        check(all(c == "\n" or " " <= c < "\x7f" for c in r.stderr), f"echoed raw: {r.stderr!r}")
    for good in ("a@x", "First.Last+tag@Mail.Example.ORG", "o'neil@x-y.example"):
        r = add(good)
        eq(r.returncode, 0, f"{good!r}: {r.stderr}")
    r = add("A@X")
    eq(r.returncode, 1, "a@x and A@X are the same user")
    check("already exists" in r.stderr and "case" in r.stderr, r.stderr)
    with sqlite3.connect(db) as c:
        stored = sorted(e for (e,) in c.execute("SELECT email FROM users"))
    eq(stored, ["a@x", "first.last+tag@mail.example.org", "o'neil@x-y.example"])


@test
def listen_prints_the_bound_port_first():
    srv = Server()
    check(srv.port > 0)
    eq(srv.request("GET", "/api/sessions").status, 401)
    srv.stop()


@test
def listen_errors_are_clear():
    srv = Server()
    r = server("--db", tmp.file("l.db"), "--listen", f"127.0.0.1:{srv.port}")
    eq(r.returncode, 1)
    check("cannot listen" in r.stderr, r.stderr)
    srv.stop()
    for bad in ("nowhere", "127.0.0.1:99999", "no.such.host.invalid:0"):
        r = server("--db", tmp.file("l.db"), "--listen", bad)
        eq(r.returncode, 1, bad)
        check("--listen" in r.stderr, r.stderr)


@test
def demo_fills_an_empty_database_around_now():
    srv = Server(args=["--demo"])
    lines = [srv.proc.stdout.readline() for _ in range(4)]
    tokens = {m.group(1): m.group(2) for m in
              (re.match(r"demo: (\w+) .* token ([0-9a-f]{64})$", ln.strip()) for ln in lines)
              if m}
    check("mentor" in tokens and "user" in tokens, lines)
    r = srv.request("GET", "/api/sessions", token=tokens["mentor"])
    sessions = r.json()["sessions"]
    check(len(sessions) >= 4, sessions)
    now = time.time()
    starts = [time.mktime(time.strptime(s["booking"]["scheduledAt"], "%Y-%m-%dT%H:%M:%SZ"))
              - time.timezone for s in sessions]
    check(any(abs(t - now) < 3600 for t in starts), "a session around now")
    check(all(s["booking"]["meetingUrl"].startswith("https://") for s in sessions))
    srv.stop()
    again = Server(args=["--demo"], db=srv.db)
    check("not empty" in again.proc.stdout.readline())
    again.stop()


@test
def providers_without_credentials_fail_at_start():
    for name, var in (("zoom", "ZOOM_ACCOUNT_ID"), ("google-meet", "GOOGLE_CLIENT_ID")):
        r = server("--db", tmp.file("p.db"), "--listen", "127.0.0.1:0",
                   env={"MEETING_PROVIDER": name})
        eq(r.returncode, 1, name)
        check(var in r.stderr and name in r.stderr, r.stderr)
        eq(r.stdout, "", "never a silent fallback")
    r = server("--db", tmp.file("p.db"), env={"MEETING_PROVIDER": "teams"})
    eq(r.returncode, 1)
    check("unknown provider" in r.stderr, r.stderr)


@test
def jitsi_settings_are_checked_at_start():
    for var, value in (("JITSI_DOMAIN", "evil.com/path"), ("JITSI_DOMAIN", "https://x.org"),
                       ("JITSI_DOMAIN", "-bad.org"), ("JITSI_DOMAIN", ""),
                       ("JITSI_ROOM_PREFIX", "a b"), ("JITSI_ROOM_PREFIX", "x/../y"),
                       ("JITSI_ROOM_PREFIX", "-lead"), ("JITSI_ROOM_PREFIX", "p" * 65)):
        r = server("--db", tmp.file("j.db"), "--listen", "127.0.0.1:0", env={var: value})
        eq(r.returncode, 1, f"{var}={value}")
        check(var in r.stderr, r.stderr)


@test
def jitsi_settings_shape_the_url():
    srv = Server(env={"JITSI_DOMAIN": "jitsi.example.org", "JITSI_ROOM_PREFIX": "mentoring"})
    mentor = srv.user("Jane", "mentor")
    mentee = srv.user("John")
    b = srv.book(mentee, mentor, srv.package())["booking"]
    check(re.fullmatch(r"https://jitsi\.example\.org/mentoring-" + b["id"] + "-[0-9a-f]{32}",
                       b["meetingUrl"]), b["meetingUrl"])
    srv.stop()


run()
