"""`dheya-meet next`: one line for a status bar in each format, the states (upcoming, soon,
now, over), nothing within 24 hours, the cache (counted on the server), the stale line
offline, a platform answering 500 or 429 asked once per --max-age, and hostile names made
harmless for each format; `join --next`: the session in progress (also one over its time
and not completed), else the one starting soon."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (Client, Scratch, Server, browser_recorder, check, eq, read_record,  # noqa
                     run, test, wait_for)
import responder  # noqa: E402

srv = Server()
_n = [0]


def cast(server=None, mentee_name="Meera Nair"):
    s = server or srv
    _n[0] += 1
    mentor = s.user(f"Next Mentor {_n[0]}", "mentor", email=f"nm{_n[0]}@example.com")
    mentee = s.user(mentee_name, email=f"nme{_n[0]}@example.com")
    return mentor, mentee, s.package()


def book(server, mentee, mentor, pkg, seconds, duration=60):
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(time.time()) + seconds))
    r = server.request("POST", "/api/bookings", token=mentee["token"], body={
        "mentorId": mentor["id"], "packageId": pkg, "sessionNumber": 2,
        "scheduledAt": when, "duration": duration, "notes": "n"})
    eq(r.status, 201, r.body)
    return r.json()["booking"]


def sessions_requests(server):
    return len(re.findall(r"GET /api/sessions ->", server.stderr(tail=10**7)))


@test
def each_format_for_an_upcoming_session():
    mentor, mentee, pkg = cast()
    book(srv, mentee, mentor, pkg, 2 * 3600 + 30 * 60 + 20)
    c = Client(srv, mentor["token"])
    r = c.run("next")
    eq((r.returncode, r.out), (0, "Meera Nair \u00b7 in 2 h 31 min\n"), r.err)
    j = json.loads(c.run("next", "--format", "json").out)
    eq((j["text"], j["state"], j["mentee"], j["minutes"], j["stale"], j["sessionNumber"]),
       ("Meera Nair \u00b7 in 2 h 31 min", "upcoming", "Meera Nair", 151, False, 2))
    w = json.loads(c.run("next", "--format", "waybar").out)
    eq((w["text"], w["class"], w["alt"]), ("Meera Nair \u00b7 in 2 h 31 min", "upcoming",
                                            "upcoming"))
    check(w["tooltip"].startswith("Session 2 with Meera Nair\nDestination Mastery\n"),
          w["tooltip"])
    eq(c.run("next", "--format", "tmux").out,
       "#[bold]Meera Nair \u00b7 in 2 h 31 min#[default]\n", "default theme: timer-normal")
    eq(c.run("next", "--format", "tmux", env={"DHEYA_THEME": "light"}).returncode, 0)


@test
def a_join_from_before_the_session_moved_does_not_make_it_running():
    """The join time is kept per session: one from 3 hours before a start now 9 min away (the
    session was moved since) leaves it "soon", where a join 5 min ago makes it "now"."""
    mentor, mentee, pkg = cast()
    b = book(srv, mentee, mentor, pkg, 8 * 60 + 20)
    c = Client(srv, mentor["token"])
    joined = os.path.join(c.env["XDG_STATE_HOME"], "dheya-meet", "joined")
    os.makedirs(joined, mode=0o700)
    for ago, state in ((3 * 3600, "soon"), (5 * 60, "now")):
        with open(os.path.join(joined, b["id"]), "w") as f:
            f.write(f"{int(time.time()) - ago}\n")
        os.chmod(os.path.join(joined, b["id"]), 0o600)
        j = json.loads(c.run("next", "--format", "json", "--max-age", "0").out)
        eq(j["state"], state, f"joined {ago} s ago: {j}")


@test
def soon_now_and_over():
    for seconds, duration, text, state in ((8 * 60 + 20, 60, "in 9 min", "soon"),
                                           (-10 * 60 - 20, 30, "20 min left", "now"),
                                           (-34 * 60 - 20, 30, "5 min over", "over")):
        mentor, mentee, pkg = cast()
        book(srv, mentee, mentor, pkg, seconds, duration)
        c = Client(srv, mentor["token"])
        j = json.loads(c.run("next", "--format", "json").out)
        eq((j["text"], j["state"]), (f"Meera Nair \u00b7 {text}", state))
        w = json.loads(c.run("next", "--format", "waybar", "--max-age", "0").out)
        eq(w["class"], state)
        tmux = c.run("next", "--format", "tmux").out
        style = {"soon": "#[fg=yellow,bg=default,bold]", "now": "#[fg=green,bg=default]",
                 "over": "#[fg=red,bg=default,bold,reverse]"}[state]
        eq(tmux, f"{style}Meera Nair \u00b7 {text}#[default]\n")


@test
def nothing_within_a_day_prints_nothing():
    mentor, mentee, pkg = cast()
    book(srv, mentee, mentor, pkg, 25 * 3600)
    c = Client(srv, mentor["token"])
    for fmt in ("plain", "json", "waybar", "tmux"):
        r = c.run("next", "--format", fmt)
        eq((r.returncode, r.out, r.err), (0, "", ""), fmt)


@test
def answers_are_cached_and_offline_the_line_is_stale():
    s = Server()
    mentor, mentee, pkg = cast(s)
    book(s, mentee, mentor, pkg, 3600 + 60 * 5 + 20)
    c = Client(s, mentor["token"])
    before = sessions_requests(s)
    outs = {c.run("next").out for _ in range(5)}
    eq(outs, {"Meera Nair \u00b7 in 1 h 6 min\n"})
    eq(sessions_requests(s) - before, 1, "five calls within --max-age: one request")
    c.run("next", "--max-age", "0")
    eq(sessions_requests(s) - before, 2, "--max-age 0 asks again")
    # Another token on the same machine does not read this cache.
    other, _, _ = cast(s)
    eq(Client(s, other["token"], scratch=c.scratch).run("next").out, "")
    s.stop()
    r = c.run("next", "--max-age", "0")
    eq((r.returncode, r.out), (0, "Meera Nair \u00b7 in 1 h 6 min (stale)\n"), r.err)
    w = json.loads(c.run("next", "--max-age", "0", "--format", "waybar").out)
    eq(w["class"], ["upcoming", "stale"])
    check("cannot be reached" in w["tooltip"], w["tooltip"])
    j = json.loads(c.run("next", "--max-age", "0", "--format", "json").out)
    eq(j["stale"], True)
    # Without a cache, offline is an error, said on stderr, nothing on stdout.
    fresh = Client(s, mentor["token"])
    r = fresh.run("next")
    eq((r.returncode, r.out), (1, ""))
    check("cannot load the sessions" in r.err, r.err)


class CountingPlatform:
    """A scripted platform (tests/lib/responder.py) whose /api/sessions answers what set()
    was last given, keeping the time of each request."""

    def __init__(self, handler):
        self.times = []
        self.switch = responder.Switch(handler)
        self.r = responder.Responder()

        def h(conn, headers):
            self.times.append(time.monotonic())
            self.switch(conn, headers)
        self.r.route("/api/sessions", h)

    def set(self, handler):
        self.switch.set(handler)


@test
def a_platform_answering_500_or_429_is_asked_once_per_max_age_not_once_per_call():
    """A status bar calling ten times a second while the platform fails: the stale line
    each time, and the platform asked again only once --max-age has passed since the last
    try, not on every call (nor several times per call)."""
    mentor, mentee, pkg = cast()
    book(srv, mentee, mentor, pkg, 3600 + 60 * 5 + 20)
    sessions = srv.request("GET", "/api/sessions", token=mentor["token"]).body
    for status, extra in ((500, ""), (429, "Retry-After: 1\r\n")):
        p = CountingPlatform(responder.answer(200, sessions))
        c = Client(token=mentor["token"])
        env = {"DHEYA_API_URL": p.r.url}
        eq(c.run("next", env=env).out, "Meera Nair \u00b7 in 1 h 6 min\n")
        eq(len(p.times), 1)
        p.set(responder.answer(status, '{"error": "too busy"}', extra))
        outs = set()

        def poll():
            r = c.run("next", "--max-age", "2", env=env)
            eq(r.returncode, 0, r.err)
            outs.add(r.out)
            return len(p.times) > 1
        wait_for(poll, 10, f"a try answered {status}")
        failed_at = p.times[1]
        eq(c.run("next", "--max-age", "2", env=env).out,
           "Meera Nair \u00b7 in 1 h 6 min (stale)\n", "the failed try is not a fresh answer")
        # Five seconds of polling, the platform still failing.
        calls = 0
        while time.monotonic() < failed_at + 5:
            r = c.run("next", "--max-age", "2", env=env)
            eq((r.returncode, r.out), (0, "Meera Nair \u00b7 in 1 h 6 min (stale)\n"), r.err)
            calls += 1
            time.sleep(0.1)  # the status bar's rate, not a wait for anything
        tries = p.times[1:]
        gaps = [b - a for a, b in zip(tries, tries[1:])]
        # --max-age counts whole seconds of the clock: 2 s is more than 1 s apart.
        check(2 <= len(tries) <= 4, f"{status}: {len(tries)} tries in 5 s of {calls} calls")
        check(all(g > 1 for g in gaps), f"{status}: tries {gaps} s apart")
        check(calls > 20, f"only {calls} calls")
        check(outs <= {"Meera Nair \u00b7 in 1 h 6 min\n",
                       "Meera Nair \u00b7 in 1 h 6 min (stale)\n"}, outs)
        p.r.close()


@test
def without_a_cache_a_failing_platform_is_an_error_asked_once_per_max_age():
    p = CountingPlatform(responder.answer(503, '{"error": "down for maintenance"}'))
    c = Client(token="some-token")
    env = {"DHEYA_API_URL": p.r.url}
    r = c.run("next", env=env)
    eq((r.returncode, r.out), (1, ""))
    eq(r.err, "dheya-meet: cannot load the sessions: the platform failed (503): down for "
              "maintenance\n")
    eq(len(p.times), 1, "one request, no retry within the call")
    for _ in range(5):
        r = c.run("next", env=env)
        eq((r.returncode, r.out), (1, ""))
        check(re.fullmatch(r"dheya-meet: cannot load the sessions: the platform failed \(503\): "
                           r"down for maintenance \(at \d\d:\d\d:\d\d; asked again after "
                           r"--max-age, 30 s\)\n", r.err), r.err)
    eq(len(p.times), 1, "the failed try is kept for --max-age")
    eq(c.run("next", "--max-age", "0", env=env).returncode, 1)
    eq(len(p.times), 2, "--max-age 0 asks again")
    p.r.close()


@test
def hostile_names_are_harmless_in_every_format():
    evil = "#(touch /tmp/dheya-pwned)#[fg=red]<b>X</b> & \x1b]0;t\x07\u202e \"q\"\\"
    mentor, mentee, pkg = cast(mentee_name=evil)
    book(srv, mentee, mentor, pkg, 20 * 60 + 20)
    c = Client(srv, mentor["token"])
    plain = c.run("next").out
    check("\x1b" not in plain and "\x07" not in plain and "\u202e" not in plain, repr(plain))
    tmux = c.run("next", "--format", "tmux").out
    body = tmux[len("#[bold]"):-len("#[default]\n")]
    check("##(touch /tmp/dheya-pwned)##[fg=red]" in body, body)
    check(re.search(r"(?<!#)#(?!#)", body.replace("##", "")) is None, "every # doubled")
    check("\x1b" not in tmux, repr(tmux))
    w = json.loads(c.run("next", "--format", "waybar").out)
    check("&lt;b&gt;X&lt;/b&gt; &amp;" in w["text"] and "<" not in w["text"], w["text"])
    check("&quot;q&quot;" in w["text"] or "\"q\"" in w["text"], w["text"])
    check("<" not in w["tooltip"], w["tooltip"])
    j = json.loads(c.run("next", "--format", "json").out)
    check("\x1b" not in j["mentee"] and "<b>X</b>" in j["mentee"], j["mentee"])
    raw = c.run("next", "--format", "json").stdout
    check(all(b < 0x80 for b in raw), "JSON output is ASCII")


@test
def tmux_shows_a_hostile_name_literally_and_runs_nothing():
    """The line in a real tmux status bar (a tmux inside the test's tmux, so that a client
    draws the status line): the name shows as text, #( runs nothing, #[ styles nothing."""
    from term import Term
    s = Scratch()
    pwned = s.file("pwned")
    mentor, mentee, pkg = cast(mentee_name=f"#(touch {pwned})#[fg=red]Evil #{{host}}")
    book(srv, mentee, mentor, pkg, 20 * 60 + 20)
    out = s.file("status")
    with open(out, "w") as f:
        f.write(Client(srv, mentor["token"]).run("next", "--format", "tmux").out)
    conf = s.file("inner.conf")
    with open(conf, "w") as f:
        f.write(f"set -g status-right '#(cat {out})'\nset -g status-right-length 120\n"
                "set -g status-interval 1\n")
    inner = f"inner-{os.getpid()}"
    env = {"PATH": "/usr/bin:/bin", "HOME": s.path, "TMUX_TMPDIR": s.path, "LANG": "C.UTF-8"}
    try:
        with Term(width=120, height=6, scratch=s) as t:
            t.run(["tmux", "-L", inner, "-f", conf, "new-session", "sleep 60"], env=env)
            screen = t.wait_for(f"#(touch {pwned})#[fg=red]Evil #{{host}} \u00b7 in 21 min")
    finally:
        subprocess.run(["tmux", "-L", inner, "kill-server"], env=env, capture_output=True)
    check(not os.path.exists(pwned), "#( ran a command")
    check("Evil" in screen, screen)


@test
def bad_usage():
    c = Client(srv, "t")
    for args in (("next", "--format", "xml"), ("next", "--max-age", "-1"),
                 ("list", "--format", "json"), ("next", "extra")):
        eq(c.run(*args).returncode, 2, args)


@test
def join_next_takes_the_session_starting_soon_or_says_when():
    mentor, mentee, pkg = cast()
    later = book(srv, mentee, mentor, pkg, 40 * 60)
    c = Client(srv, mentor["token"])
    r = c.run("join", "--next")
    eq(r.returncode, 1)
    check("no session is running or starts within 15 minutes; the next one is with Meera "
          "Nair" in r.err, r.err)
    soon = book(srv, mentee, mentor, pkg, 12 * 60)
    s = Scratch()
    script, record = browser_recorder(s)
    r = c.run("join", "--next", env={"BROWSER": script, "DISPLAY": ":0"})
    eq(r.returncode, 0, r.err)
    check(read_record(record)[1].startswith(soon["meetingUrl"]), "the one within 15 min")
    check(later["meetingUrl"] not in r.out, r.out)
    eq(c.run("join", "--next", soon["id"]).returncode, 2)


def joined_url(c, *args, **env):
    """Runs join --next with the browser recorder; the URL the browser got, or None with
    the run's result when nothing was launched."""
    s = Scratch()
    script, record = browser_recorder(s)
    r = c.run("join", "--next", env={"BROWSER": script, "DISPLAY": ":0", **env})
    if r.returncode != 0:
        return None, r
    return read_record(record)[1], r


@test
def join_next_takes_the_session_in_progress_over_one_starting_soon():
    mentor, mentee, pkg = cast()
    running = book(srv, mentee, mentor, pkg, -3 * 60)  # started 3 min ago, 60 min
    book(srv, mentee, mentor, pkg, 10 * 60)
    url, r = joined_url(Client(srv, mentor["token"]))
    check(url and url.startswith(running["meetingUrl"]), (url, r.err if url is None else ""))


@test
def join_next_takes_a_session_running_over_its_time():
    """Booked 60 min from 65 min ago, not completed: the meeting runs on, and it is the one
    to join while nothing starts within 15 min; one starting in 10 min comes first, as the
    status line names it."""
    mentor, mentee, pkg = cast()
    over = book(srv, mentee, mentor, pkg, -65 * 60)
    book(srv, mentee, mentor, pkg, 40 * 60)
    c = Client(srv, mentor["token"])
    url, r = joined_url(c)
    check(url and url.startswith(over["meetingUrl"]), (url, r.err if url is None else ""))
    soon = book(srv, mentee, mentor, pkg, 10 * 60)
    eq(json.loads(c.run("next", "--format", "json", "--max-age", "0").out)["state"], "soon")
    url, r = joined_url(c)
    check(url and url.startswith(soon["meetingUrl"]), (url, r.err if url is None else ""))


@test
def join_next_leaves_a_completed_or_long_over_session_alone():
    mentor, mentee, pkg = cast()
    done = book(srv, mentee, mentor, pkg, -65 * 60)
    eq(srv.request("POST", f"/api/sessions/{done['id']}/complete",
                   token=mentor["token"]).status, 200)
    book(srv, mentee, mentor, pkg, -125 * 60)  # 65 min over: not running on any more
    book(srv, mentee, mentor, pkg, 40 * 60)
    url, r = joined_url(Client(srv, mentor["token"]))
    eq(url, None, "nothing launched")
    eq(r.returncode, 1)
    check("no session is running or starts within 15 minutes; the next one is with Meera "
          "Nair" in r.err, r.err)


run()
