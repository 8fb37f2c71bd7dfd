"""`dheya-meet ics`: an RFC 5545 calendar parsed back with python3-icalendar: the exact
times (UTC), durations, text with , ; \\ and newlines, long UTF-8 lines folded at 75 octets
without cutting a character, the meeting URL, an alarm per remind_minutes mark, cancelled
sessions, --days."""
import datetime
import os
import sys
import time

import icalendar

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import Client, Server, check, eq, run, test  # noqa: E402

srv = Server()
NAME = "Meera \u0928\u093e\u092f\u0930 N\u00e1ir, Jr.; \\ the \u201cthird\u201d " * 3
NOTES = "Goals: A, B; and C \\ D\nSecond line\n\n\u0928\u092e\u0938\u094d\u0924\u0947 " * 4
mentor = srv.user("Ics Mentor", "mentor", email="ics-mentor@example.com")
mentee = srv.user(NAME.strip(), email="ics-mentee@example.com")
pkg = srv.package("Career Clarity")


def book(seconds, duration=45, notes=NOTES):
    t = int(time.time()) + seconds
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    b = srv.book(mentee, mentor, pkg, when=when, duration=duration, notes=notes)["booking"]
    return b, datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


first, first_at = book(3 * 3600)
cancelled, _ = book(5 * 3600, notes="")
_r = srv.request("POST", f"/api/bookings/{cancelled['id']}/cancel", token=mentor["token"])
assert _r.status == 200, _r.body
far, _ = book(3 * 24 * 3600)
c = Client(srv, mentor["token"])
c.config("remind_minutes = 10, 1\n")
out = c.run("ics")
eq(out.returncode, 0, out.err)
cal = icalendar.Calendar.from_ical(out.stdout)
events = {str(e["UID"]): e for e in cal.walk("VEVENT")}


@test
def lines_are_crlf_and_folded_at_75_octets_on_character_boundaries():
    raw = out.stdout
    check(raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "CRLF only")
    lines = raw.split(b"\r\n")[:-1]
    eq(max(len(line) for line in lines) <= 75, True, "no line over 75 octets")
    check(any(line.startswith(b" ") for line in lines), "long lines are folded")
    for line in lines:
        line.decode("utf-8")  # a fold never cuts a UTF-8 sequence
    eq(raw.split(b"\r\n")[0], b"BEGIN:VCALENDAR")


@test
def event_fields_are_exact():
    e = events[f"dheya-booking-{first['id']}@dheya-meet"]
    eq(e.decoded("DTSTART"), first_at)
    check(b"DTSTART:" + first_at.strftime("%Y%m%dT%H%M%SZ").encode() in out.stdout,
          "DTSTART written in UTC with Z")
    eq(e.decoded("DURATION"), datetime.timedelta(minutes=45))
    eq(str(e["SUMMARY"]), f"Session 1 with {NAME.strip()}")
    desc = str(e["DESCRIPTION"])
    eq(desc, f"Career Clarity, session 1 with {NAME.strip()}\nNotes:\n{NOTES}\n"
             f"Meeting: {first['meetingUrl']}")
    eq(str(e["URL"]), first["meetingUrl"])
    eq(str(e["STATUS"]), "CONFIRMED")
    alarms = sorted(a.decoded("TRIGGER") for a in e.walk("VALARM"))
    eq(alarms, [datetime.timedelta(minutes=-10), datetime.timedelta(minutes=-1)])
    eq({str(a["ACTION"]) for a in e.walk("VALARM")}, {"DISPLAY"})


def rfc5545_text(value):
    """A TEXT value escaped as RFC 5545 3.3.11 asks."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def raw_event(uid):
    """The event's own content lines as written (not its alarms'), unfolded: {NAME: value},
    NAME without parameters."""
    text = out.stdout.decode("utf-8").replace("\r\n ", "")
    path, lines = [], {}
    for line in text.split("\r\n"):
        if line.startswith("BEGIN:"):
            path.append(line[6:])
            if path[-1] == "VEVENT":
                lines = {}
        elif line.startswith("END:"):
            if path.pop() == "VEVENT" and lines.get("UID") == uid:
                return lines
        elif path and path[-1] == "VEVENT" and ":" in line:
            name, _, value = line.partition(":")
            check(name.split(";")[0] not in lines, f"{name} twice in {uid}")
            lines[name.split(";")[0]] = value
    raise AssertionError(f"no event {uid} in the output")


@test
def text_is_escaped_in_the_file_itself():
    """icalendar reads an unescaped , ; or \\ back as the same text, so the parsed values
    above would pass without the escaping: the bytes written must carry it."""
    e = raw_event(f"dheya-booking-{first['id']}@dheya-meet")
    eq(e["SUMMARY"], "Session 1 with " + rfc5545_text(NAME.strip()))
    check("N\u00e1ir\\, Jr.\\; \\\\ the" in e["SUMMARY"], e["SUMMARY"])
    desc = (f"Career Clarity, session 1 with {NAME.strip()}\nNotes:\n{NOTES}\n"
            f"Meeting: {first['meetingUrl']}")
    eq(e["DESCRIPTION"], rfc5545_text(desc))
    check("Goals: A\\, B\\; and C \\\\ D\\nSecond line\\n\\n" in e["DESCRIPTION"],
          e["DESCRIPTION"])
    check("\n" not in e["DESCRIPTION"], "newlines written as \\n")
    eq(e["URL"], first["meetingUrl"], "a URI value is not TEXT: written as it is")


@test
def cancelled_sessions_say_so_without_alarms():
    e = events[f"dheya-booking-{cancelled['id']}@dheya-meet"]
    eq(str(e["STATUS"]), "CANCELLED")
    eq(list(e.walk("VALARM")), [])


@test
def days_limits_the_range():
    check(f"dheya-booking-{far['id']}@dheya-meet" in events, "30 days by default")
    short = icalendar.Calendar.from_ical(c.run("ics", "--days", "1").stdout)
    uids = {str(e["UID"]) for e in short.walk("VEVENT")}
    check(f"dheya-booking-{far['id']}@dheya-meet" not in uids, uids)
    check(f"dheya-booking-{first['id']}@dheya-meet" in uids, uids)
    eq(c.run("ics", "--days", "0").returncode, 2)


run()
