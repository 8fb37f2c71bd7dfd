"""Meeting providers behind dheya-server: rescheduling and cancelling a booking, the meeting
route's "get or create", and Zoom and Google Meet against local stand-ins of their APIs
(tests/lib/standins.py) that check every request strictly."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import Server, check, eq, run, test  # noqa: E402


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def meeting(srv, booking_id, who):
    r = srv.request("GET", f"/api/sessions/{booking_id}/meeting", token=who["token"])
    eq(r.status, 200, r.body)
    return r.json()["booking"]


def patch(srv, booking_id, who, body):
    return srv.request("PATCH", f"/api/bookings/{booking_id}", token=who["token"], body=body)


def cancel(srv, booking_id, who):
    return srv.request("POST", f"/api/bookings/{booking_id}/cancel", token=who["token"])


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


if __name__ == "__main__":
    run()
