"""The room with a Zoom meeting, in a real terminal against dheya-server on the Zoom
stand-in (tests/lib/standins.py): a booking made while Zoom fails shows "link not ready
yet" with the reason, Enter asks the platform again (which asks Zoom again) and joins once
the link comes; the sidebar shows the host and the passcode; a moved start and a cancelled
session are shown as they are."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (CLIENT_BIN, SANITIZER_REPORT, Client, Server,  # noqa: E402
                     browser_recorder, check, eq, read_record, run, test)
from standins import Zoom  # noqa: E402
from term import Term  # noqa: E402

zoom = Zoom()
zoom.embed_pwd = False  # the passcode is then given beside the URL
srv = Server(args=["--quiet"], env={
    "MEETING_PROVIDER": "zoom", "ZOOM_ACCOUNT_ID": zoom.account, "ZOOM_CLIENT_ID": zoom.client,
    "ZOOM_CLIENT_SECRET": zoom.secret, "ZOOM_API_URL": zoom.url + "/v2",
    "ZOOM_OAUTH_URL": zoom.url + "/oauth/token", "MEETING_PROVIDER_TIMEOUT": "5"})
CREATE = r"/v2/users/me/meetings"


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def room(t, mentor, bid):
    c = Client(srv, mentor["token"], scratch=t.scratch)
    script, record = browser_recorder(t.scratch)
    t.run([CLIENT_BIN, "--session", bid], env={**c.env, "BROWSER": script, "DISPLAY": ":0"})
    return record


@test
def a_link_not_ready_is_explained_and_joined_once_zoom_answers():
    mentor, mentee, pkg = srv.cast("Uma")
    zoom.fault("POST", CREATE, "status", 503, count=100)
    b = srv.book(mentee, mentor, pkg, when=iso(-60))["booking"]
    eq(b["meetingUrl"], None)
    check(b["meetingError"].startswith("zoom: 503"), b["meetingError"])
    with Term(100, 30) as t:
        record = room(t, mentor, b["id"])
        s = t.wait_for("link not ready yet (zoom: 503")
        check(re.search(r"Host\s+Zoom", s), s)
        t.send_keys("Enter")
        s = t.wait_for("Cannot join: the meeting link is not ready yet (zoom: 503")
        check(not os.path.exists(record), "nothing launched")
        zoom.clear_faults()
        t.send_keys("Enter")
        argv = read_record(record)
        check(re.fullmatch(r"https://us05web\.zoom\.us/j/\d+", argv[1]), argv)
        s = t.wait_for(lambda s: re.search(r"Passcode\s+[a-z0-9]{6}", s))
        meeting = zoom.created[-1]
        check(meeting["password"] in s, "the passcode Zoom gave")
        check("not ready" not in s, s)
        t.send_keys("q")
        t.wait_for("Leave the room?")
        t.send_keys("y")
        eq(t.wait_exit(), 0)
        check(not SANITIZER_REPORT.search(t.stderr()), t.stderr())
    eq(zoom.violations, [])


@test
def a_moved_start_and_a_cancellation_show_as_they_are():
    mentor, mentee, pkg = srv.cast("Vik")
    b = srv.book(mentee, mentor, pkg, when=iso(3600))["booking"]
    with Term(100, 30) as t:
        room(t, mentor, b["id"])
        t.wait_for("Session 1 with Vik Mentee")
        moved = time.gmtime(time.time() + 7200)
        r = srv.request("PATCH", f"/api/bookings/{b['id']}", token=mentor["token"],
                        body={"scheduledAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", moved),
                              "duration": 30})
        eq(r.status, 200, r.body)
        t.send_keys("F5")
        t.wait_for(lambda s: re.search(r"Duration\s+30 min", s) and
                   time.strftime("%H:%M", moved) in s)  # the client runs with TZ=UTC
        r = srv.request("POST", f"/api/bookings/{b['id']}/cancel", token=mentee["token"])
        eq(r.status, 200, r.body)
        t.send_keys("F5")
        t.wait_for("this session was cancelled")
        t.wait_for("Session cancelled")
        t.send_keys("Enter")
        t.wait_for("Cannot join: this session was cancelled")
        t.send_keys("q")
        eq(t.wait_exit(), 0)
    eq(zoom.count("DELETE", r"/v2/meetings/\d+"), 1)
    eq(zoom.violations, [])


run()
