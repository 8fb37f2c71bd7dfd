"""Meeting providers behind dheya-server: rescheduling and cancelling a booking, the meeting
route's "get or create", and Zoom and Google Meet against local stand-ins of their APIs
(tests/lib/standins.py) that check every request strictly."""
import calendar
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import SERVER_BIN, Scratch, Server, check, eq, run, test, wait_for  # noqa: E402
from standins import Google, Zoom  # noqa: E402

# A provider call's whole time bound in these tests (MEETING_PROVIDER_TIMEOUT).
BOUND = 3


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def iso8601_plus(text, seconds):
    """An ISO 8601 UTC time seconds later."""
    t = calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t + seconds))


def meeting(srv, booking_id, who):
    r = srv.request("GET", f"/api/sessions/{booking_id}/meeting", token=who["token"])
    eq(r.status, 200, r.body)
    return r.json()["booking"]


def patch(srv, booking_id, who, body):
    return srv.request("PATCH", f"/api/bookings/{booking_id}", token=who["token"], body=body)


def cancel(srv, booking_id, who):
    return srv.request("POST", f"/api/bookings/{booking_id}/cancel", token=who["token"])


def timed(fn):
    """fn's result and the seconds it took."""
    start = time.monotonic()
    result = fn()
    return result, time.monotonic() - start


def owed(srv, booking_id):
    """How many of the booking's changes its provider's meeting does not reflect yet."""
    with sqlite3.connect(srv.db) as c:
        n = c.execute("SELECT sync_wanted - sync_done FROM bookings WHERE id = ?",
                      (booking_id,)).fetchone()[0]
    c.close()
    return n


def a_minute_later(srv, booking_id):
    """Lets a change the provider refused be sent again now, as a minute later it would be."""
    with sqlite3.connect(srv.db) as c:
        c.execute("UPDATE bookings SET sync_retry_at = 0 WHERE id = ?", (booking_id,))
    c.close()


# ---------------------------------------------------------------------------------------
# Jitsi: the routes themselves, with a provider that has nothing to update or delete.

jitsi = Server(args=["--quiet"])
j_mentor, j_mentee, j_pkg = jitsi.cast("Jitsi")
j_stranger = jitsi.user("Jitsi Stranger")


@test
def jitsi_booking_has_provider_and_no_error_or_passcode():
    b = jitsi.book(j_mentee, j_mentor, j_pkg)["booking"]
    eq(b["provider"], "jitsi")
    check(b["meetingUrl"].startswith("https://meet.jit.si/dheya-session-" + b["id"]), b)
    check("meetingError" not in b and "meetingPasscode" not in b, b)


@test
def either_participant_reschedules_and_the_room_stays():
    b = jitsi.book(j_mentee, j_mentor, j_pkg, duration=60)["booking"]
    r = patch(jitsi, b["id"], j_mentee, {"scheduledAt": "2031-03-04T05:06:07+01:00"})
    eq(r.status, 200, r.body)
    m = r.json()
    eq(set(m), {"booking", "user", "mentor", "package", "participants", "meetingStartedAt",
                "meetingEndedAt"})
    eq(m["booking"]["scheduledAt"], "2031-03-04T04:06:07Z")
    eq(m["booking"]["duration"], 60, "duration kept")
    eq(m["booking"]["meetingUrl"], b["meetingUrl"], "a Jitsi room is only a name")
    r = patch(jitsi, b["id"], j_mentor, {"duration": 90})
    eq(r.status, 200, r.body)
    eq((r.json()["booking"]["scheduledAt"], r.json()["booking"]["duration"]),
       ("2031-03-04T04:06:07Z", 90))
    r = patch(jitsi, b["id"], j_mentor, {"duration": 45, "scheduledAt": iso(7200)})
    eq(r.status, 200, r.body)
    eq(meeting(jitsi, b["id"], j_mentee)["duration"], 45, "stored")


@test
def a_reschedule_body_is_checked():
    b = jitsi.book(j_mentee, j_mentor, j_pkg)["booking"]
    bad = [
        ({}, "scheduledAt, duration or both"),
        ({"scheduledAt": None}, "must not be null"),
        ({"duration": None}, "must not be null"),
        ({"scheduledAt": "tomorrow"}, "ISO 8601"),
        ({"scheduledAt": "2030-01-01T10:00:00"}, "ISO 8601"),
        ({"scheduledAt": 1700000000}, "must be a string"),
        ({"duration": 5}, "15 to 480"),
        ({"duration": 481}, "15 to 480"),
        ({"duration": "60"}, "15 to 480"),
        ({"duration": 60.5}, "15 to 480"),
        ({"duration": 60, "status": "COMPLETED"}, "unknown field"),
    ]
    for body, why in bad:
        r = patch(jitsi, b["id"], j_mentee, body)
        eq(r.status, 400, f"{body}: {r.body}")
        check(why in r.json()["error"], f"{body}: {r.body}")
    for raw in ("", "[]", "{\"duration\": 60", "{\"duration\": 60, \"duration\": 70}"):
        r = jitsi.request("PATCH", f"/api/bookings/{b['id']}", token=j_mentee["token"],
                          body=raw)
        eq(r.status, 400, f"{raw!r}: {r.body}")
    eq(meeting(jitsi, b["id"], j_mentee)["scheduledAt"], b["scheduledAt"], "nothing changed")


@test
def booking_routes_answer_401_403_404_405_like_the_others():
    b = jitsi.book(j_mentee, j_mentor, j_pkg)["booking"]
    for method, path, body in (("PATCH", f"/api/bookings/{b['id']}", {"duration": 30}),
                               ("POST", f"/api/bookings/{b['id']}/cancel", None)):
        eq(jitsi.request(method, path, body=body).status, 401)
        eq(jitsi.request(method, path, body=body, token="nope").status, 401)
        r = jitsi.request(method, path, body=body, token=j_stranger["token"])
        eq(r.status, 403, r.body)
        r = jitsi.request(method, path.replace(b["id"], "bnosuch"), body=body,
                          token=j_mentee["token"])
        eq(r.status, 404, r.body)
        r = jitsi.request("GET", path, token=j_mentee["token"])
        eq(r.status, 405, r.body)
        eq(r.headers.get("allow"), method)
    eq(jitsi.request("POST", "/api/bookings/../cancel", token=j_mentee["token"]).status, 404)
    eq(jitsi.request("POST", f"/api/bookings/{b['id']}/uncancel",
                     token=j_mentee["token"]).status, 404)
    m = meeting(jitsi, b["id"], j_mentee)
    eq((m["status"], m["duration"]), ("SCHEDULED", 60), "nothing changed")


@test
def cancelling_twice_is_not_an_error_and_ends_changes():
    b = jitsi.book(j_mentee, j_mentor, j_pkg)["booking"]
    r = cancel(jitsi, b["id"], j_mentor)
    eq(r.status, 200, r.body)
    eq(r.json()["booking"]["status"], "CANCELLED")
    eq(r.json()["booking"]["meetingUrl"], b["meetingUrl"], "kept for the record")
    r = cancel(jitsi, b["id"], j_mentee)
    eq(r.status, 200, r.body)
    eq(r.json()["booking"]["status"], "CANCELLED")
    r = patch(jitsi, b["id"], j_mentee, {"duration": 30})
    eq(r.status, 409, r.body)
    check("CANCELLED" in r.json()["error"], r.body)
    r = jitsi.request("POST", f"/api/sessions/{b['id']}/complete", token=j_mentor["token"])
    eq(r.status, 409, r.body)
    eq(meeting(jitsi, b["id"], j_mentee)["status"], "CANCELLED")


@test
def a_completed_booking_is_neither_moved_nor_cancelled():
    b = jitsi.book(j_mentee, j_mentor, j_pkg)["booking"]
    jitsi.complete(b["id"], j_mentor)
    for r in (patch(jitsi, b["id"], j_mentor, {"duration": 30}), cancel(jitsi, b["id"], j_mentee)):
        eq(r.status, 409, r.body)
        check("COMPLETED" in r.json()["error"], r.body)
    eq(meeting(jitsi, b["id"], j_mentee)["status"], "COMPLETED")


@test
def the_list_shows_moves_and_cancellations():
    fresh = jitsi.user("Jitsi List Mentor", "mentor")
    a = jitsi.book(j_mentee, fresh, j_pkg, when=iso(3600))["booking"]
    c = jitsi.book(j_mentee, fresh, j_pkg, when=iso(7200))["booking"]
    eq(patch(jitsi, a["id"], fresh, {"scheduledAt": iso(10800)}).status, 200)
    eq(cancel(jitsi, c["id"], fresh).status, 200)
    r = jitsi.request("GET", "/api/sessions", token=fresh["token"])
    got = [(s["booking"]["id"], s["booking"]["status"]) for s in r.json()["sessions"]]
    eq(got, [(c["id"], "CANCELLED"), (a["id"], "SCHEDULED")], "soonest first, moved")


def refused_at_start(env, *words):
    """dheya-server with env exits 1 at once, its message holding every word."""
    scratch = Scratch()
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("ZOOM_", "GOOGLE_", "MEETING_"))}
    full.update(env)
    p = subprocess.run([SERVER_BIN, "--db", scratch.file("x.db"), "--listen", "127.0.0.1:0"],
                       env=full, capture_output=True, text=True, timeout=20)
    eq(p.returncode, 1, p.stdout + p.stderr)
    eq(p.stdout, "", "nothing listened")
    for w in words:
        check(w in p.stderr, f"{w!r} not in {p.stderr!r}")
    return p.stderr


def in_parallel(fns, timeout=30):
    """Runs each fn in its own thread; returns their results in order."""
    results = [None] * len(fns)
    errors = []

    def one(i, fn):
        try:
            results[i] = fn()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=one, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    check(not errors, f"{errors}")
    return results


# ---------------------------------------------------------------------------------------
# Zoom, against the stand-in of its token endpoint and meetings API.

zoom = Zoom()


def zoom_env(standin, **extra):
    env = {"MEETING_PROVIDER": "zoom", "ZOOM_ACCOUNT_ID": standin.account,
           "ZOOM_CLIENT_ID": standin.client, "ZOOM_CLIENT_SECRET": standin.secret,
           "ZOOM_API_URL": standin.url + "/v2", "ZOOM_OAUTH_URL": standin.url + "/oauth/token",
           "MEETING_PROVIDER_TIMEOUT": str(BOUND)}
    env.update(extra)
    return env


zsrv = Server(args=["--quiet"], env=zoom_env(zoom))
z_mentor, z_mentee, z_pkg = zsrv.cast("Zoom")
z_stranger = zsrv.user("Zoom Stranger")


@test
def zoom_is_refused_at_start_without_each_credential():
    base = zoom_env(zoom)
    for var in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
        env = dict(base)
        del env[var]
        refused_at_start(env, var)
        refused_at_start(dict(env, **{var: "has a\nnewline"}), var)
    refused_at_start(dict(base, ZOOM_API_URL="http://api.example.com/v2"), "ZOOM_API_URL",
                     "https")
    refused_at_start(dict(base, ZOOM_OAUTH_URL="ftp://127.0.0.1/token"), "ZOOM_OAUTH_URL")
    refused_at_start(dict(base, ZOOM_API_URL="https://user:pw@api.zoom.us/v2"), "ZOOM_API_URL")
    refused_at_start(dict(base, MEETING_PROVIDER_TIMEOUT="0"), "MEETING_PROVIDER_TIMEOUT")
    # Past 10 s dheya-meet, which gives up after 15 s, would give up first.
    for long in ("11", "60"):
        refused_at_start(dict(base, MEETING_PROVIDER_TIMEOUT=long),
                         f"MEETING_PROVIDER_TIMEOUT={long}: at most 10 seconds", "15 s")
    eq(Server(args=["--quiet"], env=dict(base, MEETING_PROVIDER_TIMEOUT="10")).stop(), 0)
    eq(zoom.calls, [], "nothing was asked of Zoom")


@test
def zoom_bookings_get_real_meetings_with_one_token():
    before = zoom.token_requests
    when = "2031-05-06T07:30:00Z"
    books = [zsrv.book(z_mentee, z_mentor, z_pkg, when=when, duration=45, number=n)
             for n in (1, 2, 3)]
    books += in_parallel([lambda n=n: zsrv.book(z_mentee, z_mentor, z_pkg, number=n)
                          for n in range(4, 9)])
    eq(zoom.token_requests - before, 1, "one token for every booking")
    by_url = {m["join_url"]: m for m in zoom.created}
    for i, m in enumerate(books):
        b = m["booking"]
        eq(b["provider"], "zoom")
        check(b["meetingUrl"] in by_url, b)
        check("meetingError" not in b and "meetingPasscode" not in b, b)
        made = by_url[b["meetingUrl"]]
        eq(made["topic"], f"Destination Mastery, session {i + 1}", "package and number only")
        if i < 3:
            eq((made["start_time"], made["duration"]), (when, 45))
    eq(len({m["booking"]["meetingUrl"] for m in books}), 8, "a meeting each")
    eq(zoom.violations, [])


@test
def zoom_url_is_stored_and_stable():
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    calls = len(zoom.calls)
    for who in (z_mentee, z_mentor, z_mentee):
        eq(meeting(zsrv, b["id"], who)["meetingUrl"], b["meetingUrl"])
    r = zsrv.request("GET", "/api/sessions", token=z_mentor["token"])
    check(b["meetingUrl"] in r.body, "the list shows it")
    eq(len(zoom.calls), calls, "a stored meeting asks nothing of Zoom")
    zsrv.restart()
    eq(meeting(zsrv, b["id"], z_mentee)["meetingUrl"], b["meetingUrl"], "after a restart")


@test
def zoom_passcode_is_given_when_the_url_lacks_it():
    zoom.embed_pwd = False
    try:
        b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    finally:
        zoom.embed_pwd = True
    made = [m for m in zoom.created if m["join_url"] == b["meetingUrl"]][0]
    eq(b["meetingPasscode"], made["password"])
    eq(meeting(zsrv, b["id"], z_mentor)["meetingPasscode"], made["password"])
    check("HOST-SECRET-ZAK" not in zsrv.request(
        "GET", f"/api/sessions/{b['id']}/meeting", token=z_mentor["token"]).body,
        "the host's start_url is never shown")


@test
def zoom_expired_token_is_refreshed_once_and_the_call_retried():
    before, made = zoom.token_requests, len(zoom.created)
    zoom.fault("POST", "/v2/users/me/meetings", "expire")
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    check(b["meetingUrl"], b)
    eq(zoom.token_requests - before, 1, "one new token")
    eq(len(zoom.created) - made, 1, "one meeting")
    # A token refused again after the refresh is a failure, not a loop.
    before = zoom.token_requests
    zoom.fault("POST", "/v2/users/me/meetings", "expire", count=2)
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    eq(b["meetingUrl"], None)
    eq(b["meetingError"], "zoom: 401 from POST /v2/users/me/meetings: Invalid access token.")
    eq(zoom.token_requests - before, 1, "one refresh, not a loop")
    check(meeting(zsrv, b["id"], z_mentee)["meetingUrl"], "the next GET makes it")
    eq(zoom.token_requests - before, 2, "with a new token for the one Zoom refused")
    eq(zoom.violations, [])


@test
def zoom_429_waits_for_retry_after_within_the_bound():
    made = len(zoom.created)
    zoom.fault("POST", "/v2/users/me/meetings", "429", 1)
    start = time.monotonic()
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    took = time.monotonic() - start
    check(b["meetingUrl"], b)
    check(1 <= took < BOUND, f"waited {took:.2f} s")
    eq(len(zoom.created) - made, 1)
    # A Retry-After past the bound is not waited for: reported at once, saying so.
    zoom.fault("POST", "/v2/users/me/meetings", "429", 3600)
    start = time.monotonic()
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    check(time.monotonic() - start < 1, "no wait")
    eq(b["meetingUrl"], None)
    eq(b["meetingError"], "zoom: 429 from POST /v2/users/me/meetings: Too many requests "
       "(rate limited; its Retry-After of 3600 s ends past the time limit)")
    check(meeting(zsrv, b["id"], z_mentee)["meetingUrl"], "the next GET makes it")
    # Three 429s that each fit: the third ends it, and the message says that, not the time.
    zoom.fault("POST", "/v2/users/me/meetings", "429", 0, count=3)
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    eq(b["meetingUrl"], None)
    eq(b["meetingError"], "zoom: 429 from POST /v2/users/me/meetings: Too many requests "
       "(rate limited; gave up after 3 tries)")


@test
def zoom_token_429_waits_for_retry_after_within_the_bound():
    tokens = zoom.count("POST", "/oauth/token")
    zoom.fault("POST", "/v2/users/me/meetings", "expire")
    zoom.fault("POST", "/oauth/token", "429", 1)
    b, took = timed(lambda: zsrv.book(z_mentee, z_mentor, z_pkg)["booking"])
    check(b["meetingUrl"], b)
    check(1 <= took < BOUND, f"waited {took:.2f} s")
    eq(zoom.count("POST", "/oauth/token") - tokens, 2, "the one refused, the one after")
    zoom.fault("POST", "/v2/users/me/meetings", "expire")
    zoom.fault("POST", "/oauth/token", "429", 3600)
    b, took = timed(lambda: zsrv.book(z_mentee, z_mentor, z_pkg)["booking"])
    check(took < 1, f"no wait: {took:.2f} s")
    eq(b["meetingError"], "zoom: 429 from POST /oauth/token: Too many requests (rate "
       "limited; its Retry-After of 3600 s ends past the time limit)")
    check(meeting(zsrv, b["id"], z_mentee)["meetingUrl"], "the next GET makes it")
    eq(zoom.violations, [])


@test
def zoom_down_at_booking_then_up_gives_the_url_on_the_next_get():
    zoom.fault("POST", "/v2/users/me/meetings", "status", 503)
    made = len(zoom.created)
    r = zsrv.request("POST", "/api/bookings", token=z_mentee["token"], body={
        "mentorId": z_mentor["id"], "packageId": z_pkg, "sessionNumber": 1,
        "scheduledAt": iso(3600), "duration": 60})
    eq(r.status, 201, r.body)
    b = r.json()["booking"]
    eq((b["meetingUrl"], b["provider"], b["status"]), (None, "zoom", "SCHEDULED"))
    eq(b["meetingError"], "zoom: 503 from POST /v2/users/me/meetings: Service unavailable")
    check("meetingPasscode" not in b, b)
    listed = [s["booking"] for s in zsrv.request(
        "GET", "/api/sessions", token=z_mentee["token"]).json()["sessions"]
        if s["booking"]["id"] == b["id"]][0]
    eq(listed["meetingError"], b["meetingError"], "the list says so too")
    m = meeting(zsrv, b["id"], z_mentor)
    check(m["meetingUrl"].startswith("https://"), m)
    check("meetingError" not in m, m)
    eq(len(zoom.created) - made, 1, "one meeting")
    eq(meeting(zsrv, b["id"], z_mentee)["meetingUrl"], m["meetingUrl"], "stable")


ZOOM_MALFORMED = {
    "not JSON": b"<html><body>502 Bad Gateway</body></html>",
    "cut short": None,
    "empty": b"",
    "an array": lambda m: [m],
    "id a string": lambda m: dict(m, id=str(m["id"])),
    "id zero": lambda m: dict(m, id=0),
    "join_url a number": lambda m: dict(m, join_url=12345),
    "password a number": lambda m: dict(m, password=123456),
    "no join_url": lambda m: {k: v for k, v in m.items() if k != "join_url"},
    "http join_url": lambda m: dict(m, join_url=m["join_url"].replace("https:", "http:")),
    "join_url with a newline": lambda m: dict(m, join_url=m["join_url"] + "\n"),
}


@test
def zoom_malformed_answers_are_failures_not_meetings():
    made = len(zoom.created)
    for what, shape in ZOOM_MALFORMED.items():
        zoom.fault("POST", "/v2/users/me/meetings", "malformed", shape)
        b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
        eq(b["meetingUrl"], None, what)
        check(b["meetingError"].startswith("zoom: malformed answer from POST "
                                           "/v2/users/me/meetings"),
              f"{what}: {b['meetingError']}")
    eq(len(zoom.created) - made, len(ZOOM_MALFORMED), "Zoom made each all the same")
    # The meeting behind the last broken answer is the booking's: found, not made again.
    eq(meeting(zsrv, b["id"], z_mentee)["meetingUrl"], zoom.created[-1]["join_url"])
    eq(len(zoom.created) - made, len(ZOOM_MALFORMED))
    zoom.fault("POST", "/oauth/token", "malformed")
    zoom.fault("POST", "/v2/users/me/meetings", "expire")
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    check(b["meetingError"].startswith("zoom: malformed answer from POST /oauth/token"),
          b["meetingError"])
    check(meeting(zsrv, b["id"], z_mentee)["meetingUrl"], "then a good answer")


@test
def zoom_concurrent_gets_make_exactly_one_meeting():
    zoom.fault("POST", "/v2/users/me/meetings", "status", 502)
    b = zsrv.book(z_mentee, z_mentor, z_pkg, when="2032-02-02T02:02:00Z")["booking"]
    eq(b["meetingUrl"], None)
    zoom.fault("POST", "/v2/users/me/meetings", "slow", 1)
    made = len(zoom.created)
    urls = in_parallel([lambda who=who: meeting(zsrv, b["id"], who)["meetingUrl"]
                        for who in [z_mentee, z_mentor] * 5])
    eq(len(zoom.created) - made, 1, "one meeting for ten GETs")
    eq(set(urls), {zoom.created[-1]["join_url"]}, "every GET got it")


def a_hanging_create_stalls_no_other_booking(srv, standin, path, name, cast):
    """While the provider hangs on one booking's create, the meeting route of a booking that
    has its URL and a new booking are answered at once; the hung one ends at the bound,
    booked without a URL and with the reason, and the next GET makes its meeting."""
    mentor, mentee, pkg = cast
    ready = srv.book(mentee, mentor, pkg)["booking"]
    standin.fault("POST", path, "hang")
    hung = {}
    posts = standin.count("POST", path)
    t = threading.Thread(target=lambda: hung.update(srv.book(mentee, mentor, pkg)))
    started = time.monotonic()
    t.start()
    wait_for(lambda: standin.count("POST", path) > posts, 5, "the hanging create")
    other, took = timed(lambda: (meeting(srv, ready["id"], mentor),
                                 srv.book(mentee, mentor, pkg)["booking"])[1])
    check(other["meetingUrl"], other)
    check(took < 1.5, f"other bookings took {took:.2f} s while one hangs")
    t.join(BOUND + 5)
    elapsed = time.monotonic() - started
    b = hung["booking"]
    eq(b["meetingUrl"], None)
    eq(b["meetingError"], f"{name}: timed out after {BOUND} s (POST {path})")
    check(BOUND - 0.5 < elapsed < BOUND + 2, f"the bound held: {elapsed:.2f} s")
    check(meeting(srv, b["id"], mentee)["meetingUrl"], "made on the next GET")


@test
def zoom_hanging_provider_stalls_no_other_booking():
    a_hanging_create_stalls_no_other_booking(zsrv, zoom, "/v2/users/me/meetings", "zoom",
                                             (z_mentor, z_mentee, z_pkg))


@test
def zoom_reschedule_and_cancel_reach_zoom():
    b = zsrv.book(z_mentee, z_mentor, z_pkg, duration=60)["booking"]
    mid = [m["id"] for m in zoom.created if m["join_url"] == b["meetingUrl"]][0]
    r = patch(zsrv, b["id"], z_mentor, {"scheduledAt": "2033-03-03T12:00:00+02:00",
                                         "duration": 90})
    eq(r.status, 200, r.body)
    eq(r.json()["booking"]["meetingUrl"], b["meetingUrl"], "the same meeting, moved")
    eq((zoom.meetings[mid]["start_time"], zoom.meetings[mid]["duration"]),
       ("2033-03-03T10:00:00Z", 90))
    eq(zoom.count("PATCH", f"/v2/meetings/{mid}"), 1)
    r = cancel(zsrv, b["id"], z_mentee)
    eq((r.status, r.json()["booking"]["status"]), (200, "CANCELLED"), r.body)
    check(mid not in zoom.meetings and mid in zoom.deleted, "deleted at Zoom")
    eq(cancel(zsrv, b["id"], z_mentor).status, 200)
    eq(zoom.count("DELETE", f"/v2/meetings/{mid}"), 1, "a second cancel asks nothing")
    eq(zoom.violations, [])


@test
def zoom_failed_changes_are_kept_and_sent_again():
    b = zsrv.book(z_mentee, z_mentor, z_pkg, duration=60)["booking"]
    mid = [m["id"] for m in zoom.created if m["join_url"] == b["meetingUrl"]][0]
    zoom.fault("PATCH", f"/v2/meetings/{mid}", "status", 503)
    r = patch(zsrv, b["id"], z_mentee, {"duration": 30})
    eq(r.status, 200, r.body)
    eq(r.json()["booking"]["duration"], 30, "the booking changed all the same")
    eq(zoom.meetings[mid]["duration"], 60, "Zoom did not take it")
    r = patch(zsrv, b["id"], z_mentee, {"duration": 120})
    eq(r.status, 200, r.body)
    eq(zoom.meetings[mid]["duration"], 120, "the next change carries the booking's state")
    zoom.fault("DELETE", f"/v2/meetings/{mid}", "hang")
    start = time.monotonic()
    r = cancel(zsrv, b["id"], z_mentor)
    eq((r.status, r.json()["booking"]["status"]), (200, "CANCELLED"), r.body)
    check(time.monotonic() - start < BOUND + 1.5, "bounded")
    check(mid in zoom.meetings, "not deleted yet")
    eq(cancel(zsrv, b["id"], z_mentor).status, 200)
    check(mid not in zoom.meetings, "the second cancel sent the deletion again")
    check("will be sent again" in zsrv.stderr(10**6), "logged")


@test
def zoom_meeting_gone_at_zoom_is_cancelled_without_error():
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    mid = [m["id"] for m in zoom.created if m["join_url"] == b["meetingUrl"]][0]
    del zoom.meetings[mid]
    eq(cancel(zsrv, b["id"], z_mentee).status, 200)
    eq(cancel(zsrv, b["id"], z_mentee).status, 200)
    eq(zoom.count("DELETE", f"/v2/meetings/{mid}"), 1, "404 counts as deleted")


@test
def zoom_refused_credentials_are_reported_without_secrets():
    bad = Zoom(secret="another-secret")
    srv = Server(args=["--quiet"], env=zoom_env(bad, ZOOM_CLIENT_SECRET="wrong-secret-123"))
    mentor, mentee, pkg = srv.cast("Refused")
    b = srv.book(mentee, mentor, pkg)["booking"]
    eq(b["meetingUrl"], None)
    check(b["meetingError"].startswith("zoom: 401 from POST /oauth/token: Invalid client_id"),
          b["meetingError"])
    check("ZOOM_CLIENT_SECRET" in b["meetingError"], "says what to check")
    srv.stop()
    for text in (b["meetingError"], srv.stderr(10**6)):
        for secret in ("wrong-secret-123", bad.account, "Basic "):
            check(secret not in text, f"{secret!r} leaked: {text}")
    bad.close()
    for tok in zoom.tokens:
        check(tok not in zsrv.stderr(10**6), "no token in the log")


ZOOM_CREATE = "/v2/users/me/meetings"


def marked(standin, booking_id):
    """The meetings at the Zoom stand-in that carry the booking's marker."""
    return [m for m in standin.meetings.values()
            if m.get("agenda") == f"dheya booking {booking_id}"]


@test
def zoom_lost_create_answer_then_get_leaves_exactly_one_meeting():
    made, lists = len(zoom.created), zoom.count("GET", ZOOM_CREATE)
    plain = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    eq(marked(zoom, plain["id"])[0]["join_url"], plain["meetingUrl"], "every meeting marked")
    eq(zoom.count("GET", ZOOM_CREATE), lists, "a first attempt looks for nothing")
    zoom.fault("POST", ZOOM_CREATE, "lost")
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    eq(b["meetingUrl"], None)
    check(b["meetingError"].startswith("zoom: POST /v2/users/me/meetings failed"),
          b["meetingError"])
    eq(len(marked(zoom, b["id"])), 1, "Zoom made it; the answer was lost")
    m = meeting(zsrv, b["id"], z_mentor)
    eq(m["meetingUrl"], marked(zoom, b["id"])[0]["join_url"], "that meeting is the booking's")
    eq(len(zoom.created) - made, 2, "none made again")
    eq(zoom.count("GET", ZOOM_CREATE) - lists, 1, "looked for once")
    calls = len(zoom.calls)
    for who in (z_mentee, z_mentor, z_mentee):
        eq(meeting(zsrv, b["id"], who)["meetingUrl"], m["meetingUrl"], "stable")
    eq(len(zoom.calls), calls, "stored")
    # A new time given while the outcome was unknown reaches the meeting found.
    zoom.fault("POST", ZOOM_CREATE, "lost")
    b = zsrv.book(z_mentee, z_mentor, z_pkg, when="2031-01-01T10:00:00Z")["booking"]
    r = patch(zsrv, b["id"], z_mentee, {"scheduledAt": "2035-05-05T05:00:00Z", "duration": 30})
    eq(r.status, 200, r.body)
    m = meeting(zsrv, b["id"], z_mentee)
    found = marked(zoom, b["id"])
    eq(len(found), 1)
    eq(m["meetingUrl"], found[0]["join_url"])
    eq((found[0]["start_time"], found[0]["duration"]), ("2035-05-05T05:00:00Z", 30))
    eq(owed(zsrv, b["id"]), 0)
    eq(zoom.violations, [])


@test
def zoom_lost_create_is_found_on_a_later_page():
    own = Zoom()
    srv = Server(args=["--quiet"], env=zoom_env(own))
    mentor, mentee, pkg = srv.cast("Paged")
    for n in range(1, 6):
        srv.book(mentee, mentor, pkg, number=n)
    own.list_page_max = 2
    own.fault("POST", ZOOM_CREATE, "lost")
    b = srv.book(mentee, mentor, pkg, number=6)["booking"]
    eq(meeting(srv, b["id"], mentee)["meetingUrl"], own.created[-1]["join_url"])
    eq(len(own.created), 6)
    eq(own.count("GET", ZOOM_CREATE), 3, "three pages of two")
    eq(own.violations, [])
    eq(srv.stop(), 0)
    own.close()


@test
def zoom_stored_meeting_gone_before_its_details_came_is_made_anew():
    zoom.fault("POST", ZOOM_CREATE, "lost")
    b = zsrv.book(z_mentee, z_mentor, z_pkg)["booking"]
    mid = marked(zoom, b["id"])[0]["id"]
    zoom.fault("GET", f"/v2/meetings/{mid}", "status", 503)
    m = meeting(zsrv, b["id"], z_mentee)
    eq(m["meetingUrl"], None, "found, its details not read")
    check(m["meetingError"].startswith(f"zoom: 503 from GET /v2/meetings/{mid}"), m)
    del zoom.meetings[mid]  # deleted in Zoom meanwhile
    made = len(zoom.created)
    m = meeting(zsrv, b["id"], z_mentee)
    eq(len(zoom.created) - made, 1, "a new meeting")
    eq(m["meetingUrl"], zoom.created[-1]["join_url"])
    eq(zoom.count("GET", f"/v2/meetings/{mid}"), 2, "the gone one asked about once more")
    calls = len(zoom.calls)
    eq(meeting(zsrv, b["id"], z_mentor)["meetingUrl"], m["meetingUrl"])
    eq(len(zoom.calls), calls)
    check(f"zoom: meeting {mid} no longer exists at Zoom; a new meeting is made in its place"
          in zsrv.stderr(10**6), "logged")


@test
def zoom_meeting_deleted_at_zoom_is_made_anew_when_rescheduled():
    b = zsrv.book(z_mentee, z_mentor, z_pkg, duration=60)["booking"]
    mid = marked(zoom, b["id"])[0]["id"]
    del zoom.meetings[mid]  # someone deleted it in Zoom
    made = len(zoom.created)
    r = patch(zsrv, b["id"], z_mentee, {"scheduledAt": "2036-06-06T06:00:00Z", "duration": 30})
    eq(r.status, 200, r.body)
    eq(len(zoom.created) - made, 1, "one new meeting")
    new = zoom.created[-1]
    eq(r.json()["booking"]["meetingUrl"], new["join_url"], "the booking shows the new one")
    eq((new["start_time"], new["duration"]), ("2036-06-06T06:00:00Z", 30))
    eq(new["agenda"], f"dheya booking {b['id']}")
    eq(owed(zsrv, b["id"]), 0, "nothing left to send")
    a_minute_later(zsrv, b["id"])
    calls = len(zoom.calls)
    eq(meeting(zsrv, b["id"], z_mentor)["meetingUrl"], new["join_url"])
    eq(len(zoom.calls), calls, "the gone meeting is not asked about again")
    eq(zoom.count("PATCH", f"/v2/meetings/{mid}"), 1)


@test
def zoom_completed_booking_is_sent_no_owed_change():
    b = zsrv.book(z_mentee, z_mentor, z_pkg, duration=60)["booking"]
    mid = marked(zoom, b["id"])[0]["id"]
    zoom.fault("PATCH", f"/v2/meetings/{mid}", "status", 503)
    eq(patch(zsrv, b["id"], z_mentee, {"duration": 30}).status, 200)
    eq(owed(zsrv, b["id"]), 1, "Zoom refused it")
    zsrv.complete(b["id"], z_mentor)
    patches = zoom.count("PATCH", f"/v2/meetings/{mid}")
    for _ in range(2):
        a_minute_later(zsrv, b["id"])
        eq(meeting(zsrv, b["id"], z_mentee)["status"], "COMPLETED")
    eq(zoom.count("PATCH", f"/v2/meetings/{mid}"), patches, "a finished session is not moved")
    eq(owed(zsrv, b["id"]), 0, "nor owed anything")


@test
def zoom_change_queued_behind_a_slow_create_gets_its_own_time():
    zoom.fault("POST", ZOOM_CREATE, "status", 502)
    b = zsrv.book(z_mentee, z_mentor, z_pkg, duration=60)["booking"]
    eq(b["meetingUrl"], None)
    posts = zoom.count("POST", ZOOM_CREATE)
    zoom.fault("POST", ZOOM_CREATE, "slow", BOUND - 0.6)
    got = {}
    t = threading.Thread(target=lambda: got.update(m=meeting(zsrv, b["id"], z_mentee)))
    t.start()
    wait_for(lambda: zoom.count("POST", ZOOM_CREATE) > posts, 5, "the slow create")
    # The PATCH waits for the create, then has a whole call's time for its own, slow too.
    zoom.fault("PATCH", r"/v2/meetings/\d+", "slow", 1)
    r, took = timed(lambda: patch(zsrv, b["id"], z_mentor, {"duration": 45}))
    t.join(BOUND + 5)
    eq(r.status, 200, r.body)
    mid = [m["id"] for m in zoom.created if m["join_url"] == got["m"]["meetingUrl"]][0]
    eq(zoom.meetings[mid]["duration"], 45)
    eq(owed(zsrv, b["id"]), 0, "the new time counts as sent")
    check(took < 2 * BOUND + 1, f"and the request stayed bounded: {took:.2f} s")


def cold_zoom_server():
    """A dheya-server on the Zoom stand-in that has no token yet, and its cast."""
    srv = Server(args=["--quiet"], env=zoom_env(zoom))
    return (srv, *srv.cast("Cold"))


def one_token_request_for_concurrent_bookings(standin, token_path, srv, cast, bookings):
    """With the token cache cold and the token endpoint slow, bookings made at once wait
    for one token request, and each gets its meeting."""
    mentor, mentee, pkg = cast
    tokens = standin.count("POST", token_path)
    standin.fault("POST", token_path, "slow", 1)
    books = in_parallel([lambda n=n: srv.book(mentee, mentor, pkg, number=n)
                         for n in range(1, bookings + 1)])
    eq(standin.count("POST", token_path) - tokens, 1,
       f"one token request for {bookings} bookings")
    for m in books:
        check(m["booking"]["meetingUrl"], m)
    eq(srv.stop(), 0)


@test
def zoom_cold_token_cache_many_concurrent_bookings_one_token_request():
    srv, mentor, mentee, pkg = cold_zoom_server()
    one_token_request_for_concurrent_bookings(zoom, "/oauth/token", srv,
                                              (mentor, mentee, pkg), 6)


@test
def zoom_failed_token_request_is_the_answer_of_its_waiters():
    srv, mentor, mentee, pkg = cold_zoom_server()
    tokens = zoom.count("POST", "/oauth/token")
    zoom.fault("POST", "/oauth/token", "status", 503, delay=1)
    books = in_parallel([lambda n=n: srv.book(mentee, mentor, pkg, number=n)
                         for n in range(1, 5)])
    eq(zoom.count("POST", "/oauth/token") - tokens, 1, "the waiters did not ask in turn")
    for m in books:
        eq(m["booking"]["meetingUrl"], None)
        eq(m["booking"]["meetingError"], "zoom: 503 from POST /oauth/token: Service "
           "unavailable")
    check(meeting(srv, books[0]["booking"]["id"], mentee)["meetingUrl"], "asked again later")
    eq(srv.stop(), 0)


@test
def zoom_hanging_token_endpoint_holds_only_requests_that_need_it():
    srv, mentor, mentee, pkg = cold_zoom_server()
    ready = srv.book(mentee, mentor, pkg)["booking"]
    srv.restart()  # no token again; the URL is stored
    tokens = zoom.count("POST", "/oauth/token")
    zoom.fault("POST", "/oauth/token", "hang")
    results = {}

    def book(name):
        results[name] = timed(lambda: srv.book(mentee, mentor, pkg)["booking"])
    first = threading.Thread(target=book, args=("first",))
    first.start()
    wait_for(lambda: zoom.count("POST", "/oauth/token") > tokens, 5, "the hanging token call")
    later = threading.Thread(target=book, args=("later",))
    later.start()
    m, took = timed(lambda: meeting(srv, ready["id"], mentor))
    eq(m["meetingUrl"], ready["meetingUrl"])
    r, took_list = timed(lambda: srv.request("GET", "/api/sessions", token=mentee["token"]))
    eq(r.status, 200, r.body)
    check(took < 1 and took_list < 1, f"held: {took:.2f} s, {took_list:.2f} s")
    first.join(BOUND + 5)
    later.join(BOUND + 5)
    for name in ("first", "later"):
        b, took = results[name]
        eq(b["meetingError"], f"zoom: timed out after {BOUND} s (POST /oauth/token)", name)
        check(took < BOUND + 1, f"{name} waited past its own bound: {took:.2f} s")
    eq(zoom.count("POST", "/oauth/token") - tokens, 1, "the waiter took the first's failure")
    check(meeting(srv, results["later"][0]["id"], mentee)["meetingUrl"], "asked again later")
    eq(srv.stop(), 0)


# ---------------------------------------------------------------------------------------
# Google Meet, against the stand-in of Google's token endpoint and the Calendar API.

google = Google()
EVENTS = "/calendar/v3/calendars/primary/events"


def google_env(standin, **extra):
    env = {"MEETING_PROVIDER": "google-meet", "GOOGLE_CLIENT_ID": standin.client,
           "GOOGLE_CLIENT_SECRET": standin.secret, "GOOGLE_REFRESH_TOKEN": standin.refresh,
           "GOOGLE_API_URL": standin.url + "/calendar/v3",
           "GOOGLE_OAUTH_URL": standin.url + "/token", "MEETING_PROVIDER_TIMEOUT": str(BOUND)}
    env.update(extra)
    return env


gsrv = Server(args=["--quiet"], env=google_env(google))
g_mentor, g_mentee, g_pkg = gsrv.cast("Google")


def event_of(b):
    """The stand-in's event whose Meet link the booking shows."""
    found = [e for e in google.events.values() if e["link"] == b["meetingUrl"]]
    eq(len(found), 1, f"one event for {b['id']}")
    return found[0]


@test
def google_meet_is_refused_at_start_without_each_credential():
    base = google_env(google)
    for var in ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_REFRESH_TOKEN"):
        env = dict(base)
        del env[var]
        refused_at_start(env, var)
    refused_at_start(dict(base, GOOGLE_API_URL="http://www.googleapis.com/calendar/v3"),
                     "GOOGLE_API_URL", "https")
    refused_at_start(dict(base, GOOGLE_OAUTH_URL="oauth2.googleapis.com/token"),
                     "GOOGLE_OAUTH_URL")
    eq(google.calls, [], "nothing was asked of Google")


@test
def google_bookings_get_meet_links_with_attendees_and_one_token():
    before = google.token_requests
    books = [gsrv.book(g_mentee, g_mentor, g_pkg, when="2031-07-08T09:00:00Z", duration=45)]
    books += in_parallel([lambda n=n: gsrv.book(g_mentee, g_mentor, g_pkg, number=n)
                          for n in range(2, 6)])
    eq(google.token_requests - before, 1, "one token for every booking")
    for i, m in enumerate(books):
        b = m["booking"]
        eq(b["provider"], "google-meet")
        check(b["meetingUrl"].startswith("https://meet.google.com/"), b)
        check("meetingError" not in b and "meetingPasscode" not in b, b)
        e = event_of(b)
        eq(e["summary"], f"Destination Mastery, session {i + 1}")
        eq(sorted(a["email"] for a in e["attendees"]),
           sorted([g_mentor["email"], g_mentee["email"]]))
        eq(e["requestId"], b["id"], "requestId is the booking's")
    e = event_of(books[0]["booking"])
    eq((e["start"]["dateTime"], e["end"]["dateTime"]),
       ("2031-07-08T09:00:00Z", "2031-07-08T09:45:00Z"))
    eq(len({m["booking"]["meetingUrl"] for m in books}), 5)
    calls = len(google.calls)
    eq(meeting(gsrv, books[0]["booking"]["id"], g_mentor)["meetingUrl"],
       books[0]["booking"]["meetingUrl"], "stored and stable")
    eq(len(google.calls), calls)
    eq(google.violations, [])


@test
def google_pending_conference_is_read_again_until_ready():
    google.pending_polls = 2
    try:
        gets = google.count("GET", EVENTS + "/.*")
        b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    finally:
        google.pending_polls = 0
    check(b["meetingUrl"], b)
    eq(google.count("GET", EVENTS + "/.*") - gets, 3, "pending, pending, ready")
    event_of(b)


@test
def google_conference_pending_past_the_polls_is_finished_by_a_later_get():
    google.pending_polls = 1000
    made = len(google.created)
    try:
        b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    finally:
        google.pending_polls = 0
    eq(b["meetingUrl"], None)
    eq(b["meetingError"], "google-meet: the Meet conference is still being prepared")
    eq(len(google.created) - made, 1, "the event exists")
    # A new time the Calendar refuses meanwhile is still owed after the link is read.
    eid = google.created[-1]["id"]
    google.fault("PATCH", EVENTS + "/" + eid, "status", 503)
    eq(patch(gsrv, b["id"], g_mentee, {"duration": 20}).status, 200)
    for e in google.events.values():
        e["polls_left"] = 0
    m = meeting(gsrv, b["id"], g_mentee)
    check(m["meetingUrl"], m)
    eq(len(google.created) - made, 1, "read, not made again")
    e = event_of(m)
    eq(google.count("PATCH", EVENTS + "/" + eid), 1)
    with sqlite3.connect(gsrv.db) as c:
        owed = c.execute("SELECT sync_wanted > sync_done FROM bookings WHERE id = ?",
                         (b["id"],)).fetchone()[0]
    c.close()
    eq(owed, 1, "reading the link does not count the new time as sent")
    eq(patch(gsrv, b["id"], g_mentee, {"scheduledAt": m["scheduledAt"]}).status, 200)
    eq(google.count("PATCH", EVENTS + "/" + eid), 2, "sent again")
    eq(e["end"]["dateTime"], iso8601_plus(m["scheduledAt"], 20 * 60))


@test
def google_lost_answer_never_makes_a_second_event():
    made, posts = len(google.created), google.count("POST", EVENTS)
    google.fault("POST", EVENTS, "lost")
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    eq(b["meetingUrl"], None)
    check(b["meetingError"].startswith("google-meet: POST " + EVENTS + " failed"),
          b["meetingError"])
    eq(len(google.created) - made, 1, "Google made it; the answer was lost")
    r = patch(gsrv, b["id"], g_mentee, {"scheduledAt": "2035-05-05T05:00:00Z", "duration": 30})
    eq(r.status, 200, r.body)
    m = meeting(gsrv, b["id"], g_mentor)
    check(m["meetingUrl"], m)
    eq(google.count("POST", EVENTS) - posts, 2, "the retry, refused as a duplicate (409)")
    eq(len(google.created) - made, 1, "still one event")
    e = event_of(m)
    eq(e["requestId"], b["id"])
    eq((e["start"]["dateTime"], e["end"]["dateTime"]),
       ("2035-05-05T05:00:00Z", "2035-05-05T05:30:00Z"), "the event found has the new time")


@test
def google_expired_token_and_outage_are_retried():
    before, made = google.token_requests, len(google.created)
    google.fault("POST", EVENTS, "expire")
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    check(b["meetingUrl"], b)
    eq((google.token_requests - before, len(google.created) - made), (1, 1))
    google.fault("POST", EVENTS, "status", 500)
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    eq(b["meetingUrl"], None)
    check(b["meetingError"].startswith("google-meet: 500 from POST " + EVENTS),
          b["meetingError"])
    check(meeting(gsrv, b["id"], g_mentee)["meetingUrl"], "up again: the next GET")
    google.fault("POST", EVENTS, "slow", 1)
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    check(b["meetingUrl"], b)


@test
def google_concurrent_gets_make_exactly_one_event():
    google.fault("POST", EVENTS, "status", 503)
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    eq(b["meetingUrl"], None)
    google.fault("POST", EVENTS, "slow", 1)
    made, posts = len(google.created), google.count("POST", EVENTS)
    urls = in_parallel([lambda who=who: meeting(gsrv, b["id"], who)["meetingUrl"]
                        for who in [g_mentee, g_mentor] * 4])
    eq(len(google.created) - made, 1)
    # Google would refuse a second insert of the same event id (409), so only the count of
    # inserts shows that the other GETs waited for the first instead of asking too.
    eq(google.count("POST", EVENTS) - posts, 1, "one insert for eight GETs")
    eq(len(set(urls)), 1)
    check(urls[0], urls)


@test
def google_reschedule_and_cancel_reach_the_calendar():
    b = gsrv.book(g_mentee, g_mentor, g_pkg, duration=60)["booking"]
    e = event_of(b)
    r = patch(gsrv, b["id"], g_mentee, {"scheduledAt": "2034-04-04T04:00:00Z", "duration": 30})
    eq(r.status, 200, r.body)
    eq((e["start"]["dateTime"], e["end"]["dateTime"]),
       ("2034-04-04T04:00:00Z", "2034-04-04T04:30:00Z"))
    eq(cancel(gsrv, b["id"], g_mentor).status, 200)
    eq(e["status"], "cancelled")
    eq(cancel(gsrv, b["id"], g_mentee).status, 200)
    eq(google.count("DELETE", EVENTS + "/" + e["id"]), 1)
    # An event someone deleted in the calendar already: 410 is as good as deleted.
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    event_of(b)["status"] = "cancelled"
    eq(cancel(gsrv, b["id"], g_mentor).status, 200)
    eq(cancel(gsrv, b["id"], g_mentor).status, 200)
    eq(google.count("DELETE", EVENTS + "/" + event_of(b)["id"]), 1, "410 counts as deleted")
    eq(google.violations, [])


@test
def google_lost_answer_then_a_refused_move_keeps_the_new_time_owed():
    made = len(google.created)
    google.fault("POST", EVENTS, "lost")
    b = gsrv.book(g_mentee, g_mentor, g_pkg, when="2031-01-01T10:00:00Z")["booking"]
    eid = google.created[-1]["id"]
    r = patch(gsrv, b["id"], g_mentee, {"scheduledAt": "2035-05-05T05:00:00Z", "duration": 30})
    eq(r.status, 200, r.body)
    google.fault("PATCH", EVENTS + "/" + eid, "status", 503)
    m = meeting(gsrv, b["id"], g_mentor)
    check(m["meetingUrl"], m)
    e = event_of(m)
    eq(e["start"]["dateTime"], "2031-01-01T10:00:00Z", "Google refused the new time")
    eq(owed(gsrv, b["id"]), 1, "so the booking still owes it to the event")
    check("could not give it the booking's time" in gsrv.stderr(10**6), "logged")
    a_minute_later(gsrv, b["id"])
    meeting(gsrv, b["id"], g_mentee)
    eq((e["start"]["dateTime"], e["end"]["dateTime"]),
       ("2035-05-05T05:00:00Z", "2035-05-05T05:30:00Z"), "sent again, taken")
    eq(owed(gsrv, b["id"]), 0)
    eq(len(google.created) - made, 1, "one event")


@test
def google_429_waits_for_retry_after_within_the_bound():
    made = len(google.created)
    google.fault("POST", EVENTS, "429", 1)
    b, took = timed(lambda: gsrv.book(g_mentee, g_mentor, g_pkg)["booking"])
    check(b["meetingUrl"], b)
    check(1 <= took < BOUND, f"waited {took:.2f} s")
    eq(len(google.created) - made, 1)
    google.fault("POST", EVENTS, "429", 3600)
    b, took = timed(lambda: gsrv.book(g_mentee, g_mentor, g_pkg)["booking"])
    check(took < 1, f"no wait: {took:.2f} s")
    eq(b["meetingUrl"], None)
    eq(b["meetingError"], f"google-meet: 429 from POST {EVENTS}: Too many requests (rate "
       "limited; its Retry-After of 3600 s ends past the time limit)")
    check(meeting(gsrv, b["id"], g_mentee)["meetingUrl"], "the next GET makes it")
    eq(len(google.created) - made, 2)


@test
def google_hanging_provider_stalls_no_other_booking():
    a_hanging_create_stalls_no_other_booking(gsrv, google, EVENTS, "google-meet",
                                             (g_mentor, g_mentee, g_pkg))


def without(*keys):
    return lambda e: {k: v for k, v in e.items() if k not in keys}


GOOGLE_MALFORMED = {
    "not JSON": b"<html><body>502 Bad Gateway</body></html>",
    "cut short": None,
    "an array": lambda e: [e],
    "id a number": lambda e: dict(e, id=12345),
    "id not base32hex": lambda e: dict(e, id="ZZ-" + e["id"]),
    "hangoutLink a number": lambda e: dict(e, hangoutLink=7),
    "hangoutLink http": lambda e: dict(e, hangoutLink=e["hangoutLink"].replace("https:",
                                                                               "http:")),
    "no link, no conference": without("hangoutLink", "conferenceData"),
    "no link, statusCode a number": lambda e: dict(without("hangoutLink")(e), conferenceData={
        "createRequest": {"status": {"statusCode": 1}}}),
}


@test
def google_malformed_answers_are_failures_not_meetings():
    made = len(google.created)
    for what, shape in GOOGLE_MALFORMED.items():
        google.fault("POST", EVENTS, "malformed", shape)
        b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
        eq(b["meetingUrl"], None, what)
        check(b["meetingError"].startswith(f"google-meet: malformed answer from POST {EVENTS}"),
              f"{what}: {b['meetingError']}")
    eq(len(google.created) - made, len(GOOGLE_MALFORMED), "Google made each all the same")
    m = meeting(gsrv, b["id"], g_mentee)
    eq(m["meetingUrl"], google.events[google.created[-1]["id"]]["link"], "found, not made again")
    eq(len(google.created) - made, len(GOOGLE_MALFORMED))
    google.fault("POST", "/token", "malformed")
    google.fault("POST", EVENTS, "expire")
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    check(b["meetingError"].startswith("google-meet: malformed answer from POST /token"),
          b["meetingError"])
    check(meeting(gsrv, b["id"], g_mentee)["meetingUrl"], "then a good answer")
    eq(google.violations, [])


def conference_ids(eid):
    """The requestIds of the conferences asked for on event eid, in order."""
    return [rid for ev, rid in google.conference_requests if ev == eid]


@test
def google_conference_google_could_not_make_is_asked_for_again():
    made = len(google.created)
    google.conference_failures = 1
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    check(b["meetingUrl"], b)
    eid = event_of(b)["id"]
    eq(conference_ids(eid), [b["id"], eid + "-2"], "the new attempt has a new requestId")
    # Failing again: the next GET asks once more, with the next number.
    google.conference_failures = 2
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    eq(b["meetingUrl"], None)
    eq(b["meetingError"], "google-meet: Google could not make the Meet conference")
    eid = google.created[-1]["id"]
    m = meeting(gsrv, b["id"], g_mentee)
    eq(m["meetingUrl"], google.events[eid]["link"])
    eq(conference_ids(eid), [b["id"], eid + "-2", eid + "-3"])
    # An attempt whose request never reached Google is repeated with the same requestId.
    google.conference_failures = 1
    google.fault("PATCH", EVENTS + "/dm[0-9a-v]+", "status", 503)
    b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    eq(b["meetingUrl"], None)
    eid = google.created[-1]["id"]
    m = meeting(gsrv, b["id"], g_mentee)
    eq(m["meetingUrl"], google.events[eid]["link"])
    sent = [json.loads(raw)["conferenceData"]["createRequest"]["requestId"]
            for method, path, raw in google.bodies
            if (method, path) == ("PATCH", EVENTS + "/" + eid) and b"conferenceData" in raw]
    eq(sent, [eid + "-2", eid + "-2"], "the same attempt, the same requestId")
    eq(len(google.created) - made, 3, "one event per booking")
    eq(google.violations, [])


@test
def google_event_deleted_before_its_link_came_is_made_anew():
    google.pending_polls = 1000
    try:
        b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    finally:
        google.pending_polls = 0
    eq(b["meetingUrl"], None)
    eid = google.created[-1]["id"]
    google.events[eid]["status"] = "cancelled"  # deleted in the calendar
    made = len(google.created)
    m = meeting(gsrv, b["id"], g_mentee)
    eq(len(google.created) - made, 1, "a new event")
    new = google.created[-1]["id"]
    eq(new, eid + "v2", "the next version of the booking's event id: the old id stays taken")
    eq(m["meetingUrl"], google.events[new]["link"])
    eq(conference_ids(new), [new + "-1"])
    check("the booking's calendar event was deleted; a new meeting is made in its place"
          in gsrv.stderr(10**6), "logged")
    # Gone for good (404), not even kept as deleted: the id is free again.
    google.pending_polls = 1000
    try:
        b = gsrv.book(g_mentee, g_mentor, g_pkg)["booking"]
    finally:
        google.pending_polls = 0
    eid = google.created[-1]["id"]
    del google.events[eid]
    m = meeting(gsrv, b["id"], g_mentee)
    eq(google.created[-1]["id"], eid)
    eq(m["meetingUrl"], google.events[eid]["link"])
    eq(google.violations, [])


@test
def google_event_deleted_in_the_calendar_is_made_anew_when_rescheduled():
    b = gsrv.book(g_mentee, g_mentor, g_pkg, duration=60)["booking"]
    e = event_of(b)
    e["status"] = "cancelled"
    r = patch(gsrv, b["id"], g_mentor, {"scheduledAt": "2036-06-06T06:00:00Z", "duration": 30})
    eq(r.status, 200, r.body)
    m = r.json()["booking"]
    check(m["meetingUrl"] and m["meetingUrl"] != b["meetingUrl"], m)
    new = event_of(m)
    eq(new["id"], e["id"] + "v2")
    eq((new["start"]["dateTime"], new["end"]["dateTime"]),
       ("2036-06-06T06:00:00Z", "2036-06-06T06:30:00Z"))
    eq(owed(gsrv, b["id"]), 0)
    new["status"] = "cancelled"  # and again
    r = patch(gsrv, b["id"], g_mentor, {"duration": 45})
    eq(r.status, 200, r.body)
    eq(event_of(r.json()["booking"])["id"], e["id"] + "v3")
    eq(google.violations, [])


@test
def google_cold_token_cache_many_concurrent_bookings_one_token_request():
    srv = Server(args=["--quiet"], env=google_env(google))
    one_token_request_for_concurrent_bookings(google, "/token", srv, srv.cast("Cold"), 5)


@test
def a_meeting_left_at_another_provider_is_named_in_the_log():
    scratch = Scratch()
    first = Server(args=["--quiet"], env=zoom_env(zoom), scratch=scratch)
    mentor, mentee, pkg = first.cast("Switch")
    cancelled = first.book(mentee, mentor, pkg)["booking"]
    moved = first.book(mentee, mentor, pkg)["booking"]
    ids = [marked(zoom, b["id"])[0]["id"] for b in (cancelled, moved)]
    eq(first.stop(), 0)
    second = Server(args=["--quiet"], env=google_env(google), scratch=scratch)
    calls = len(google.calls)
    eq(cancel(second, cancelled["id"], mentee).status, 200)
    eq(patch(second, moved["id"], mentor, {"duration": 30}).status, 200)
    log = second.stderr(10**6)
    check(f"booking {cancelled['id']}: its meeting {ids[0]} was made at zoom, but this server "
          "runs with MEETING_PROVIDER=google-meet and cannot reach zoom: the cancellation was "
          "not sent; delete the meeting at zoom by hand" in log, log)
    check(f"booking {moved['id']}: its meeting {ids[1]} was made at zoom, but this server "
          "runs with MEETING_PROVIDER=google-meet and cannot reach zoom: the new time was not "
          "sent; move the meeting at zoom by hand" in log, log)
    check(all(i in zoom.meetings for i in ids), "both left at Zoom")
    eq(len(google.calls), calls, "nothing asked of Google")
    eq((owed(second, cancelled["id"]), owed(second, moved["id"])), (0, 0), "nor tried again")
    eq(second.stop(), 0)


@test
def google_refused_refresh_token_is_reported_without_secrets():
    other = Google(refresh="1//a-newer-refresh-token")
    srv = Server(args=["--quiet"], env=google_env(other, GOOGLE_REFRESH_TOKEN="1//revoked-xyz"))
    mentor, mentee, pkg = srv.cast("Revoked")
    b = srv.book(mentee, mentor, pkg)["booking"]
    eq(b["meetingUrl"], None)
    eq(b["meetingError"], "google-meet: 400 from POST /token: Token has been expired or "
       "revoked. (check GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN)")
    srv.stop()
    for secret in ("1//revoked-xyz", other.secret, "ya29."):
        check(secret not in srv.stderr(10**6), f"{secret!r} in the log")
    other.close()


if __name__ == "__main__":
    run()
