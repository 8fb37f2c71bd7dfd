"""POST /api/webhooks/meeting: both signature schemes, the timestamp window, replays, Zoom's
url_validation, the rate limit, and each event's effect on the meeting route."""
import hashlib
import hmac
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import Server, check, eq, run, test  # noqa: E402

SECRET = "It's a Secret to Everybody"
ZOOM = "zoom-secret-for-tests"
srv = Server(env={"WEBHOOK_SECRET": SECRET, "ZOOM_WEBHOOK_SECRET": ZOOM})
mentor = srv.user("Jane Smith", "mentor")
mentee = srv.user("John Doe")
pkg = srv.package()
counter = [0]


def event(kind, booking, **extra):
    counter[0] += 1
    body = {"id": f"evt-{counter[0]}-{time.time()}", "event": kind, "bookingId": booking,
            "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    body.update(extra)
    return json.dumps(body).encode()


def signed(body, provider="jitsi", ts=None, secret=SECRET):
    ts = str(int(time.time()) if ts is None else ts)
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"x-provider": provider, "x-webhook-timestamp": ts,
            "x-webhook-signature": f"sha256={mac}", "Content-Type": "application/json"}


def zoom_signed(body, ts=None, secret=ZOOM):
    ts = str(int(time.time()) if ts is None else ts)
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body,
                   hashlib.sha256).hexdigest()
    return {"x-provider": "zoom", "x-zm-request-timestamp": ts, "x-zm-signature": f"v0={mac}"}


def post(body, headers, server=srv, source=None):
    return server.request("POST", "/api/webhooks/meeting", body=body, headers=headers,
                          source=source)


def meeting(bid):
    return srv.request("GET", f"/api/sessions/{bid}/meeting", token=mentor["token"]).json()


def new_booking():
    return srv.book(mentee, mentor, pkg)["booking"]["id"]


@test
def jitsi_meeting_lifecycle_is_recorded():
    bid = new_booking()
    for kind, extra in (("meeting.started", {}),
                        ("participant.joined", {"participant": {"name": "John Doe",
                                                                "email": mentee["email"]}}),
                        ("participant.left", {"participant": {"name": "John Doe",
                                                              "email": mentee["email"]}})):
        body = event(kind, bid, **extra)
        r = post(body, signed(body))
        eq(r.status, 200, f"{kind}: {r.body}")
        eq(r.json(), {"received": True, "duplicate": False})
    m = meeting(bid)
    check(m["meetingStartedAt"], m)
    eq(len(m["participants"]), 1)
    eq(m["participants"][0]["name"], "John Doe")
    check(m["participants"][0]["joinedAt"] and m["participants"][0]["leftAt"], m)
    eq(m["booking"]["status"], "SCHEDULED")
    body = event("meeting.ended", bid)
    eq(post(body, signed(body)).status, 200)
    m = meeting(bid)
    eq(m["booking"]["status"], "COMPLETED", "meeting.ended completes the booking")
    check(m["meetingEndedAt"], m)


@test
def google_meet_uses_the_same_scheme():
    bid = new_booking()
    body = event("meeting.started", bid)
    eq(post(body, signed(body, provider="google-meet")).status, 200)
    check(meeting(bid)["meetingStartedAt"])


@test
def a_replayed_event_is_acknowledged_and_changes_nothing():
    bid = new_booking()
    body = event("participant.joined", bid, participant={"name": "Eve", "email": "e@x.io"})
    eq(post(body, signed(body)).json()["duplicate"], False)
    r = post(body, signed(body))
    eq(r.status, 200)
    eq(r.json()["duplicate"], True)
    eq(len(meeting(bid)["participants"]), 1)


@test
def a_signed_event_counts_once_whatever_the_provider_header_says():
    bid = new_booking()
    body = event("participant.joined", bid, participant={"name": "Mallory", "email": "m@x.io"})
    eq(post(body, signed(body, provider="jitsi")).json()["duplicate"], False)
    # The same signed bytes again: x-provider is not signed, and jitsi and google-meet share
    # WEBHOOK_SECRET, so this is the same event.
    r = post(body, signed(body, provider="google-meet"))
    eq(r.status, 200, r.body)
    eq(r.json()["duplicate"], True, "replayed under another provider name")
    eq(len(meeting(bid)["participants"]), 1)
    # Zoom signs with its own secret: its event ids are its own, and may meet ours.
    zoom_body = event("participant.joined", bid, participant={"name": "Zed"})
    zoom_body = zoom_body.replace(json.loads(zoom_body)["id"].encode(),
                                  json.loads(body)["id"].encode())
    eq(post(zoom_body, zoom_signed(zoom_body)).json()["duplicate"], False)
    eq(len(meeting(bid)["participants"]), 2)


def refused(body, headers, what):
    before = json.dumps(meeting(json.loads(body)["bookingId"]))
    r = post(body, headers)
    eq(r.status, 401, what)
    check("webhook refused" in r.json()["error"], r.body)
    eq(json.dumps(meeting(json.loads(body)["bookingId"])), before, f"{what}: no side effect")
    return r


@test
def bad_signatures_are_refused_without_effect():
    bid = new_booking()
    body = event("meeting.ended", bid)
    good = signed(body)
    sig = good["x-webhook-signature"]
    for i in (7, 20, len(sig) - 1):
        flipped = sig[:i] + ("0" if sig[i] != "0" else "1") + sig[i + 1:]
        refused(body, {**good, "x-webhook-signature": flipped}, f"flip at {i}")
    tampered = body.replace(b"meeting.ended", b"meeting.ENDED")
    refused(tampered, good, "body changed")
    refused(body, {k: v for k, v in good.items() if k != "x-webhook-signature"}, "no signature")
    refused(body, {**good, "x-webhook-signature": sig[7:]}, "no sha256= prefix")
    refused(body, {**good, "x-webhook-signature": "sha256="}, "empty")
    refused(body, {**good, "x-webhook-signature": "sha256=" + "zz" * 32}, "not hex")
    refused(body, signed(body, secret="wrong"), "wrong secret")
    refused(body, {**good, "x-webhook-timestamp": "soon"}, "non-numeric timestamp")
    refused(body, {k: v for k, v in good.items() if k != "x-webhook-timestamp"}, "no timestamp")
    r = refused(body, signed(body, ts=int(time.time()) - 301), "301 s old")
    check("300" in r.json()["error"], r.body)
    refused(body, signed(body, ts=int(time.time()) + 301), "301 s ahead")
    upper = {**good, "x-webhook-signature": "sha256=" + sig[7:].upper()}
    eq(post(body, upper).status, 200, "hex case does not matter")


@test
def timestamps_inside_the_window_are_accepted():
    bid = new_booking()
    for skew in (-290, 290):
        body = event("meeting.started", bid)
        eq(post(body, signed(body, ts=int(time.time()) + skew)).status, 200, str(skew))


@test
def zoom_scheme_and_url_validation():
    bid = new_booking()
    body = event("meeting.started", bid)
    eq(post(body, zoom_signed(body)).status, 200)
    check(meeting(bid)["meetingStartedAt"])
    eq(post(body, zoom_signed(body, secret=SECRET)).status, 401, "zoom uses its own secret")
    eq(post(body, signed(body, provider="zoom")).status, 401, "zoom headers are required")
    stale = event("meeting.ended", bid)
    eq(post(stale, zoom_signed(stale, ts=int(time.time()) - 400)).status, 401)
    challenge = json.dumps({"event": "endpoint.url_validation",
                            "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}).encode()
    r = post(challenge, zoom_signed(challenge))
    eq(r.status, 200)
    want = hmac.new(ZOOM.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    eq(r.json(), {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": want})
    eq(post(challenge, {"x-provider": "zoom"}).status, 401, "the challenge is signed too")


@test
def malformed_events_are_400():
    bid = new_booking()
    cases = [
        (json.dumps({"id": "x1", "event": "meeting.exploded", "bookingId": bid,
                     "occurredAt": "2030-01-01T00:00:00Z"}), "event"),
        (json.dumps({"event": "meeting.started", "bookingId": bid,
                     "occurredAt": "2030-01-01T00:00:00Z"}), "id"),
        (json.dumps({"id": "x2", "event": "meeting.started", "bookingId": bid,
                     "occurredAt": "noon"}), "occurredAt"),
        (json.dumps({"id": "x3", "event": "participant.joined", "bookingId": bid,
                     "occurredAt": "2030-01-01T00:00:00Z"}), "participant"),
        ("not json", "JSON"),
    ]
    for body, word in cases:
        r = post(body.encode(), signed(body.encode()))
        eq(r.status, 400, word)
        check(word in r.json()["error"], r.body)
    body = event("meeting.started", "bnosuchbooking")
    eq(post(body, signed(body)).status, 404)
    eq(post(body, {**signed(body), "x-provider": "teams"}).status, 400)


@test
def unconfigured_secret_refuses_webhooks():
    plain = Server()
    body = b'{"id":"a","event":"meeting.started","bookingId":"b","occurredAt":"x"}'
    r = plain.request("POST", "/api/webhooks/meeting", body=body, headers=signed(body))
    eq(r.status, 503)
    check("WEBHOOK_SECRET" in r.json()["error"], r.body)
    plain.stop()


@test
def webhook_floods_get_429_per_sender():
    limited = Server(args=["--rate-limit", "5"], env={"WEBHOOK_SECRET": SECRET})
    body = b"{}"
    statuses = [post(body, signed(body), server=limited).status for _ in range(8)]
    eq(statuses[:5], [400] * 5, "the first five are let through (and refused as bad events)")
    eq(statuses[5:], [429] * 3)
    r = post(body, signed(body), server=limited)
    check(int(r.headers["retry-after"]) >= 1, r.headers)
    eq(post(body, signed(body), server=limited, source="127.0.0.2").status, 400,
       "another sender is not limited")
    limited.stop()


@test
def api_rate_limit_is_per_user():
    limited = Server(args=["--rate-limit", "3"])
    a = limited.user("A Mentor", "mentor")
    b = limited.user("B Mentor", "mentor")
    got = [limited.request("GET", "/api/sessions", token=a["token"]).status for _ in range(5)]
    eq(got, [200, 200, 200, 429, 429])
    eq(limited.request("GET", "/api/sessions", token=b["token"]).status, 200)
    limited.stop()


@test
def events_are_stored_once_even_across_restart():
    bid = new_booking()
    body = event("participant.joined", bid, participant={"name": "Zed"})
    eq(post(body, signed(body)).status, 200)
    srv.restart()
    eq(post(body, signed(body)).json()["duplicate"], True)
    with sqlite3.connect(srv.db) as c:
        eq(c.execute("SELECT count(*) FROM participants WHERE booking_id = ?",
                     (bid,)).fetchone()[0], 1)


run()
