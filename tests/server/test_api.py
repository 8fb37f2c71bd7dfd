"""dheya-server's session routes over real HTTP against a real SQLite database."""
import os
import re
import socket
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import Server, check, eq, run, test  # noqa: E402

srv = Server()
mentor = srv.user("Jane Smith", "mentor")
mentor2 = srv.user("Omar Haddad", "mentor")
mentee = srv.user("John Doe")
mentee2 = srv.user("Lin Wei")
pkg = srv.package("Destination Mastery")


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


@test
def booking_generates_meeting_url_at_once():
    m = srv.book(mentee, mentor, pkg, notes="Career transition discussion")
    b = m["booking"]
    eq(b["status"], "SCHEDULED")
    eq(b["provider"], "jitsi")
    check(re.fullmatch(r"https://meet\.jit\.si/dheya-session-" + re.escape(b["id"]) +
                       r"-[0-9a-f]{32}", b["meetingUrl"]), b["meetingUrl"])
    eq(m["user"], {"name": "John Doe", "email": mentee["email"]})
    eq(m["mentor"]["name"], "Jane Smith")
    eq(m["package"], {"name": "Destination Mastery"})
    eq(m["participants"], [])
    eq(m["meetingStartedAt"], None)


@test
def meeting_urls_are_unpredictable():
    urls = {srv.book(mentee, mentor, pkg)["booking"]["meetingUrl"] for _ in range(5)}
    eq(len(urls), 5)
    tails = {u.rsplit("-", 1)[1] for u in urls}
    eq(len(tails), 5, "random parts differ")


@test
def meeting_route_has_the_seed_shape():
    b = srv.book(mentee, mentor, pkg, when="2030-01-15T15:30:00+05:30", duration=45)
    r = srv.request("GET", f"/api/sessions/{b['booking']['id']}/meeting", token=mentor["token"])
    eq(r.status, 200)
    m = r.json()
    for k in ("id", "sessionNumber", "scheduledAt", "duration", "notes", "status", "meetingUrl"):
        check(k in m["booking"], k)
    eq(m["booking"]["scheduledAt"], "2030-01-15T10:00:00Z", "offset normalised to UTC")
    eq(m["booking"]["duration"], 45)
    eq(m["booking"]["meetingUrl"], b["booking"]["meetingUrl"], "URL is stable")
    eq(r.headers["content-type"].split(";")[0], "application/json")


@test
def meeting_route_creates_a_missing_url():
    b = srv.book(mentee, mentor, pkg)["booking"]
    with sqlite3.connect(srv.db) as c:
        c.execute("UPDATE bookings SET meeting_url = NULL WHERE id = ?", (b["id"],))
    r = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentee["token"])
    eq(r.status, 200)
    check(r.json()["booking"]["meetingUrl"].startswith("https://meet.jit.si/"), r.body)


@test
def sessions_list_is_the_callers_soonest_first():
    fresh = srv.user("Fresh Mentor", "mentor")
    later = srv.book(mentee, fresh, pkg, when=iso(7200))
    sooner = srv.book(mentee2, fresh, pkg, when=iso(600))
    old = srv.book(mentee, fresh, pkg, when=iso(-48 * 3600))
    r = srv.request("GET", "/api/sessions", token=fresh["token"])
    eq(r.status, 200)
    ids = [s["booking"]["id"] for s in r.json()["sessions"]]
    eq(ids, [sooner["booking"]["id"], later["booking"]["id"]], "default from 12 h ago")
    r = srv.request("GET", "/api/sessions?from=" + iso(-72 * 3600).replace(":", "%3A"),
                    token=fresh["token"])
    eq([s["booking"]["id"] for s in r.json()["sessions"]][0], old["booking"]["id"])
    r = srv.request("GET", f"/api/sessions?from={iso(0)}&to={iso(3600)}", token=fresh["token"])
    eq([s["booking"]["id"] for s in r.json()["sessions"]], [sooner["booking"]["id"]])
    r = srv.request("GET", "/api/sessions", token=mentee2["token"])
    check(all(s["user"]["name"] == "Lin Wei" for s in r.json()["sessions"]))
    r = srv.request("GET", "/api/sessions?from=yesterday", token=fresh["token"])
    eq(r.status, 400)
    check("from" in r.json()["error"], r.body)


@test
def tokens_are_required_and_checked():
    b = srv.book(mentee, mentor, pkg)["booking"]
    for path, method in ((f"/api/sessions/{b['id']}/meeting", "GET"), ("/api/sessions", "GET"),
                         (f"/api/sessions/{b['id']}/complete", "POST")):
        r = srv.request(method, path)
        eq(r.status, 401, path)
        check("error" in r.json())
        eq(r.headers.get("www-authenticate"), "Bearer")
        r = srv.request(method, path, token="not-a-token")
        eq(r.status, 401, path)
        r = srv.request(method, path, headers={"Authorization": "Basic Zm9vOmJhcg=="})
        eq(r.status, 401, path)


@test
def only_the_two_participants_have_access():
    b = srv.book(mentee, mentor, pkg)["booking"]
    for who in (mentor2, mentee2):
        for method, action in (("GET", "meeting"), ("POST", "complete"), ("POST", "feedback")):
            r = srv.request(method, f"/api/sessions/{b['id']}/{action}", token=who["token"],
                            body={"rating": 5} if action == "feedback" else None)
            eq(r.status, 403, f"{who['name']} {action}")
            check("participant" in r.json()["error"], r.body)
    r = srv.request("GET", "/api/sessions", token=mentor2["token"])
    check(all(s["booking"]["id"] != b["id"] for s in r.json()["sessions"]))
    eq(srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentee["token"]).status, 200)
    eq(srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentor["token"]).status, 200)
    r = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentor2["token"])
    check(b["meetingUrl"] not in r.body, "no URL leaks in a 403")


@test
def unknown_sessions_and_routes_are_404_json():
    for path in ("/api/sessions/nope/meeting", "/api/sessions/%2e%2e/meeting",
                 "/api/sessions/x/unknown", "/api/nothing", "/"):
        r = srv.request("GET", path, token=mentor["token"])
        eq(r.status, 404, path)
        check("error" in r.json(), path)


@test
def wrong_methods_are_405_with_allow():
    r = srv.request("DELETE", "/api/sessions", token=mentor["token"])
    eq(r.status, 405)
    eq(r.headers["allow"], "GET")
    r = srv.request("GET", "/api/sessions/x/complete", token=mentor["token"])
    eq(r.status, 405)
    eq(r.headers["allow"], "POST")


@test
def complete_twice_is_not_an_error_and_cancelled_conflicts():
    b = srv.book(mentee, mentor, pkg)["booking"]
    for _ in range(2):
        r = srv.request("POST", f"/api/sessions/{b['id']}/complete", token=mentor["token"])
        eq(r.status, 200)
        eq(r.json(), {"success": True, "booking": {"id": b["id"], "status": "COMPLETED"}})
    r = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentee["token"])
    eq(r.json()["booking"]["status"], "COMPLETED")
    c = srv.book(mentee, mentor, pkg)["booking"]
    with sqlite3.connect(srv.db) as db:
        db.execute("UPDATE bookings SET status = 'CANCELLED' WHERE id = ?", (c["id"],))
    r = srv.request("POST", f"/api/sessions/{c['id']}/complete", token=mentor["token"])
    eq(r.status, 409)
    check("cancelled" in r.json()["error"], r.body)


@test
def feedback_before_completion_is_409():
    b = srv.book(mentee, mentor, pkg)["booking"]
    r = srv.request("POST", f"/api/sessions/{b['id']}/feedback", token=mentee["token"],
                    body={"rating": 4})
    eq(r.status, 409)
    check("COMPLETED" in r.json()["error"], r.body)


def completed_booking(mentor_user=mentor):
    b = srv.book(mentee, mentor_user, pkg)["booking"]
    srv.complete(b["id"], mentor_user)
    return b


@test
def feedback_is_stored_once_and_shown_to_its_author():
    b = completed_booking()
    r = srv.request("POST", f"/api/sessions/{b['id']}/feedback", token=mentor["token"],
                    body={"rating": 5, "comment": "Excellent session, very helpful insights"})
    eq(r.status, 200)
    eq(r.json(), {"success": True, "booking": {"id": b["id"], "feedback": {
        "rating": 5, "comment": "Excellent session, very helpful insights"}}})
    r = srv.request("POST", f"/api/sessions/{b['id']}/feedback", token=mentor["token"],
                    body={"rating": 1})
    eq(r.status, 409, "second feedback without a key")
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentor["token"]).json()
    eq(m["booking"]["feedback"], {"rating": 5,
                                  "comment": "Excellent session, very helpful insights"})
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentee["token"]).json()
    eq(m["booking"]["feedback"], None, "the mentee sees only their own feedback")


@test
def idempotency_key_replays_the_first_answer():
    b = completed_booking()
    path = f"/api/sessions/{b['id']}/feedback"
    first = srv.request("POST", path, token=mentee["token"], body={"rating": 4, "comment": "ok"},
                        headers={"Idempotency-Key": "key-1"})
    eq(first.status, 200)
    again = srv.request("POST", path, token=mentee["token"], body={"rating": 4, "comment": "ok"},
                        headers={"Idempotency-Key": "key-1"})
    eq((again.status, again.body), (first.status, first.body))
    other = srv.request("POST", path, token=mentee["token"], body={"rating": 4},
                        headers={"Idempotency-Key": "key-2"})
    eq(other.status, 409)
    with sqlite3.connect(srv.db) as c:
        eq(c.execute("SELECT count(*) FROM feedback WHERE booking_id = ?",
                     (b["id"],)).fetchone()[0], 1)
    b2 = completed_booking()
    r = srv.request("POST", f"/api/sessions/{b2['id']}/feedback", token=mentee["token"],
                    body={"rating": 4}, headers={"Idempotency-Key": "key-1"})
    eq(r.status, 400, "a key reused for another session")
    r = srv.request("POST", path, token=mentee["token"], body={"rating": 4},
                    headers={"Idempotency-Key": "bad key with spaces"})
    eq(r.status, 400)


@test
def idempotency_key_reused_with_another_body_is_422():
    b = completed_booking()
    path = f"/api/sessions/{b['id']}/feedback"
    key = {"Idempotency-Key": "reused-key"}
    first = srv.request("POST", path, token=mentee["token"], body={"rating": 1}, headers=key)
    eq(first.status, 200, first.body)
    for changed in ({"rating": 5}, {"rating": 1, "comment": "now with a comment"}):
        r = srv.request("POST", path, token=mentee["token"], body=changed, headers=key)
        eq(r.status, 422, f"{changed}: {r.body}")
        check("Idempotency-Key" in r.json()["error"] and "different" in r.json()["error"],
              r.body)
    # The same submission, however its JSON is spelled, still replays the first answer.
    for same in ('{"rating": 1}', '{"comment": "", "rating": 1}', '{ "rating" :1 }'):
        r = srv.request("POST", path, token=mentee["token"], body=same,
                        headers={**key, "Content-Type": "application/json"})
        eq((r.status, r.body), (first.status, first.body), same)
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentee["token"]).json()
    eq(m["booking"]["feedback"], {"rating": 1, "comment": ""}, "the first feedback stands")


@test
def one_idempotency_key_sent_at_once_is_stored_once():
    import concurrent.futures
    b = completed_booking()
    path = f"/api/sessions/{b['id']}/feedback"

    def send(_):
        return srv.request("POST", path, token=mentee["token"], body={"rating": 3},
                           headers={"Idempotency-Key": "at-once"})

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        answers = list(ex.map(send, range(16)))
    eq({(r.status, r.body) for r in answers}, {(answers[0].status, answers[0].body)},
       "every copy gets the first answer")
    eq(answers[0].status, 200, answers[0].body)
    with sqlite3.connect(srv.db) as c:
        eq(c.execute("SELECT count(*) FROM feedback WHERE booking_id = ?",
                     (b["id"],)).fetchone()[0], 1)


@test
def mentee_feedback_updates_the_mentor_average():
    rated = srv.user("Rated Mentor", "mentor")
    for rating in (5, 4, 2):
        b = completed_booking(rated)
        eq(srv.request("POST", f"/api/sessions/{b['id']}/feedback", token=mentee["token"],
                       body={"rating": rating}).status, 200)
    b = completed_booking(rated)
    srv.request("POST", f"/api/sessions/{b['id']}/feedback", token=rated["token"],
                body={"rating": 1, "comment": "the mentor's own note"})
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=rated["token"]).json()
    eq(m["mentor"]["ratingCount"], 3, "the mentor's own feedback does not count")
    check(abs(m["mentor"]["rating"] - 11 / 3) < 0.01, m["mentor"])
    eq(m["booking"]["feedback"]["comment"], "the mentor's own note")


@test
def feedback_bodies_are_validated():
    b = completed_booking()
    path = f"/api/sessions/{b['id']}/feedback"
    cases = [
        ({}, "rating"), ({"rating": 0}, "rating"), ({"rating": 6}, "rating"),
        ({"rating": "5"}, "rating"), ({"rating": 4.5}, "rating"), ({"rating": None}, "rating"),
        ({"rating": 5, "comment": 7}, "comment"),
        ({"rating": 5, "comment": "x" * 2001}, "2000"),
        ({"rating": 5, "extra": True}, "extra"),
        ([5], "object"),
    ]
    for body, word in cases:
        r = srv.request("POST", path, token=mentee["token"], body=body)
        eq(r.status, 400, repr(body)[:60])
        check(word in r.json()["error"], f"{body!r:.60}: {r.body}")
    raw = [b"", b"{", b'{"rating": 5} trailing', b'{"rating": 5, "rating": 4}',
           b'{"rating": 5, "comment": "\xff\xfe"}', b'{"rating": 5, "comment": "\\ud800"}',
           b'{"rating": 5, "comment": "a\\u0000b"}', b"[" * 60000, b'{"rating": 1e999}',
           b'{"rating": 99999999999999999999999}']
    for body in raw:
        r = srv.request("POST", path, token=mentee["token"], body=body)
        eq(r.status, 400, repr(body)[:60])
        check(r.json()["error"], body[:60])
    r = srv.request("POST", path, token=mentee["token"],
                    body={"rating": 5, "comment": "ü" * 2000})
    eq(r.status, 200, "2000 characters, 4000 bytes: " + r.body[:80])


@test
def booking_bodies_are_validated():
    good = {"mentorId": mentor["id"], "packageId": pkg, "sessionNumber": 1,
            "scheduledAt": iso(3600), "duration": 60}
    cases = [
        ({**good, "mentorId": mentee["id"]}, 400, "mentorId"),
        ({**good, "packageId": "pnope"}, 400, "packageId"),
        ({**good, "scheduledAt": "tomorrow"}, 400, "scheduledAt"),
        ({**good, "scheduledAt": "2030-01-15T10:00:00"}, 400, "scheduledAt"),
        ({**good, "duration": 5}, 400, "duration"),
        ({**good, "sessionNumber": -1}, 400, "sessionNumber"),
        ({**good, "surprise": 1}, 400, "surprise"),
    ]
    for body, status, word in cases:
        r = srv.request("POST", "/api/bookings", token=mentee["token"], body=body)
        eq(r.status, status, word)
        check(word in r.json()["error"], r.body)
    r = srv.request("POST", "/api/bookings", token=mentor["token"], body=good)
    eq(r.status, 403, "a mentor does not book")
    r = srv.request("POST", "/api/bookings", token=mentee["token"],
                    body={k: v for k, v in good.items() if k != "duration"})
    eq(r.status, 201)
    eq(r.json()["booking"]["duration"], 60, "default duration")


@test
def hostile_text_is_stored_and_returned_as_json_not_interpreted():
    notes = "\x1b[2J\x1b]0;pwned\x07\u202eevil\u200b"
    b = srv.book(mentee, mentor, pkg, notes=notes)
    r = srv.request("GET", f"/api/sessions/{b['booking']['id']}/meeting", token=mentor["token"])
    eq(r.json()["booking"]["notes"], notes)
    check("\x1b" not in r.body, "escaped in the JSON text")


@test
def oversized_bodies_get_413():
    b = completed_booking()
    # A 10 MB announced body is refused before it is read, so send only the headers.
    with socket.create_connection((srv.host, srv.port), timeout=10) as s:
        s.sendall(f"POST /api/sessions/{b['id']}/feedback HTTP/1.1\r\nHost: x\r\n"
                  f"Authorization: Bearer {mentee['token']}\r\n"
                  f"Content-Length: {10 * 1024 * 1024}\r\n\r\n{{".encode())
        answer = s.makefile("rb").read().decode()
    check(answer.startswith("HTTP/1.1 413"), answer[:80])
    check("65536" in answer, answer)
    # A chunked body that grows past the cap without announcing it: the connection is cut.
    with socket.create_connection((srv.host, srv.port), timeout=10) as s:
        s.sendall(f"POST /api/sessions/{b['id']}/feedback HTTP/1.1\r\nHost: x\r\n"
                  f"Authorization: Bearer {mentee['token']}\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
        try:
            for _ in range(200):
                s.sendall(chunk)
            answer = s.recv(100)
        except OSError:
            answer = b""
    check(not answer.startswith(b"HTTP/1.1 200"), answer)
    eq(srv.request("GET", "/api/sessions", token=mentee["token"]).status, 200,
       "the server goes on")


@test
def acknowledged_writes_survive_a_restart():
    b = completed_booking()
    eq(srv.request("POST", f"/api/sessions/{b['id']}/feedback", token=mentee["token"],
                   body={"rating": 3, "comment": "kept"},
                   headers={"Idempotency-Key": "restart-1"}).status, 200)
    srv.restart()
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentee["token"]).json()
    eq(m["booking"]["status"], "COMPLETED")
    eq(m["booking"]["feedback"], {"rating": 3, "comment": "kept"})
    r = srv.request("POST", f"/api/sessions/{b['id']}/feedback", token=mentee["token"],
                    body={"rating": 3, "comment": "kept"},
                    headers={"Idempotency-Key": "restart-1"})
    eq(r.status, 200, "the key survives too")


@test
def sigkill_loses_nothing_acknowledged():
    b = completed_booking()
    eq(srv.request("POST", f"/api/sessions/{b['id']}/feedback", token=mentee["token"],
                   body={"rating": 2}).status, 200)
    import signal
    srv.stop(signal.SIGKILL)
    srv.start()
    m = srv.request("GET", f"/api/sessions/{b['id']}/meeting", token=mentee["token"]).json()
    eq(m["booking"]["feedback"]["rating"], 2)


run()
