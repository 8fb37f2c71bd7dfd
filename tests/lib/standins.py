"""Local stand-ins for the Zoom and Google Calendar APIs, for dheya-server's providers.

Each implements the documented requests the server makes and checks them strictly: method,
path, query, the auth header (Basic for Zoom's token, Bearer with a token it issued for the
API), required body fields and their JSON types. A request that breaks the contract is
answered 400 and recorded in `violations`, which a test expects to stay empty. Answers are
shaped as the real services document them.

Faults are queued with fault(method, path_pattern, kind, arg, count, delay) and consumed by
the next matching requests, each first waiting delay seconds: "status" (answer arg, e.g.
503), "429" (Retry-After: arg seconds), "hang" (never answer until close()), "slow" (answer
after arg seconds), "malformed" (the request takes effect and its 2xx answer is broken: arg
is the raw bytes to send, or a function given the answer's JSON that returns what to send
instead, bytes or JSON; by default the JSON cut in the middle), "expire" (every token issued
so far stops working first, so the request is answered 401 as an expired token is), "lost"
(the request takes effect, its answer never comes: the connection is closed)."""
import base64
import json
import random
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class Violation(Exception):
    """A request that breaks the documented contract."""


class Request:
    def __init__(self, handler):
        self.method = handler.command
        parts = urllib.parse.urlsplit(handler.path)
        self.path = parts.path
        self.query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        n = int(self.headers.get("content-length", "0") or 0)
        self.raw = handler.rfile.read(n) if n else b""

    def json(self):
        if not self.headers.get("content-type", "").startswith("application/json"):
            raise Violation(f"{self.method} {self.path}: Content-Type is not application/json")
        try:
            body = json.loads(self.raw)
        except ValueError:
            raise Violation(f"{self.method} {self.path}: the body is not JSON")
        if not isinstance(body, dict):
            raise Violation(f"{self.method} {self.path}: the body is not a JSON object")
        return body

    def form(self):
        if self.headers.get("content-type") != "application/x-www-form-urlencoded":
            raise Violation(f"{self.path}: Content-Type is not application/"
                            "x-www-form-urlencoded")
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.raw.decode()).items()}


def need(cond, what):
    if not cond:
        raise Violation(what)


def field(obj, key, kind, where, required=True):
    """obj[key] of JSON type kind (bool is not int); returns it or None when optional."""
    if key not in obj:
        need(not required, f"{where}: {key} is required")
        return None
    v = obj[key]
    ok = isinstance(v, kind) and not (kind is int and isinstance(v, bool))
    need(ok, f"{where}: {key} must be a {kind.__name__}, got {v!r}")
    return v


class Standin:
    """A threaded HTTP server on a free loopback port; subclasses route requests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []        # (method, path) of every request, in order
        self.bodies = []       # (method, path, raw body) of every request, in order
        self.violations = []   # what broke the contract
        self.faults = []       # [method, path regex, kind, arg, count left, delay]
        self.tokens = set()    # tokens that work now
        self.token_requests = 0
        self.expires_in = 3599
        self.released = threading.Event()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                standin._handle(self)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def fault(self, method, pattern, kind, arg=None, count=1, delay=0):
        with self.lock:
            self.faults.append([method, re.compile(pattern), kind, arg, count, delay])

    def clear_faults(self):
        with self.lock:
            self.faults.clear()

    def count(self, method, pattern):
        """How many requests matched method and the path pattern so far."""
        rx = re.compile(pattern)
        with self.lock:
            return sum(1 for m, p in self.calls if m == method and rx.fullmatch(p))

    def _take_fault(self, rq):
        with self.lock:
            for f in self.faults:
                if f[0] == rq.method and f[1].fullmatch(rq.path) and f[4] > 0:
                    f[4] -= 1
                    return f[2], f[3], f[5]
        return None, None, 0

    def new_token(self):
        tok = "tok-" + "".join(random.choice("abcdef0123456789") for _ in range(24))
        with self.lock:
            self.tokens.add(tok)
            self.token_requests += 1
        return tok

    def bearer(self, rq):
        """The API's auth: a Bearer token this stand-in issued and has not expired."""
        h = rq.headers.get("authorization", "")
        need(h.startswith("Bearer "), f"{rq.method} {rq.path}: no Bearer Authorization")
        with self.lock:
            return h[7:] in self.tokens

    def _handle(self, h):
        rq = Request(h)
        with self.lock:
            self.calls.append((rq.method, rq.path))
            self.bodies.append((rq.method, rq.path, rq.raw))
        kind, arg, delay = self._take_fault(rq)
        if delay:
            time.sleep(delay)
        if kind == "hang":
            self.released.wait(120)
            h.close_connection = True
            return
        if kind == "slow":
            time.sleep(arg)
        if kind == "expire":
            with self.lock:
                self.tokens.clear()
        if kind == "status":
            return self.send(h, arg, {"code": arg, "message": "Service unavailable"})
        if kind == "429":
            return self.send(h, 429, {"code": 429, "message": "Too many requests"},
                             {"Retry-After": str(arg)})
        try:
            status, body = self.route(rq)
        except Violation as v:
            with self.lock:
                self.violations.append(str(v))
            return self.send(h, 400, {"code": 300, "message": str(v)})
        if kind == "lost":
            h.close_connection = True
            return
        if kind == "malformed" and 200 <= status < 300:
            broken = arg(body) if callable(arg) else arg
            if broken is None:
                broken = json.dumps(body).encode()[:len(json.dumps(body)) // 2]
            elif not isinstance(broken, bytes):
                broken = json.dumps(broken).encode()
            return self.send(h, status, None, raw=broken)
        self.send(h, status, body)

    def send(self, h, status, body, headers=None, raw=None):
        data = raw if raw is not None else b"" if body is None else json.dumps(body).encode()
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if data:
            h.send_header("Content-Type", "application/json;charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)


ZOOM_FIELDS = {"topic", "type", "start_time", "duration", "timezone", "settings", "agenda",
               "password", "schedule_for", "default_password", "pre_schedule", "recurrence",
               "template_id", "tracking_fields"}


class Zoom(Standin):
    """Zoom's Server-to-Server OAuth token endpoint (/oauth/token) and the meetings API
    (/v2/users/me/meetings: create, and list in pages of at most list_page_max;
    /v2/meetings/{id})."""

    def __init__(self, account="acc-123", client="client-abc", secret="s3cret-zoom-xyz"):
        super().__init__()
        self.account, self.client, self.secret = account, client, secret
        self.meetings = {}   # id -> meeting object (deleted ones removed)
        self.created = []    # every meeting made, in order
        self.deleted = []
        self.embed_pwd = True
        self.list_page_max = 300  # the most one page of the meetings list holds
        self.page_tokens = {}     # next_page_token -> where its page starts

    def route(self, rq):
        if rq.path == "/oauth/token":
            return self.token(rq)
        need(rq.path.startswith("/v2/"), f"no such path {rq.path}")
        if not self.bearer(rq):
            return 401, {"code": 124, "message": "Invalid access token."}
        if rq.path == "/v2/users/me/meetings":
            need(rq.method in ("POST", "GET"), f"{rq.method} {rq.path}: only POST and GET")
            return self.create(rq) if rq.method == "POST" else self.list(rq)
        m = re.fullmatch(r"/v2/meetings/(\d+)", rq.path)
        need(m, f"no such path {rq.path}")
        mid = int(m.group(1))
        with self.lock:
            meeting = self.meetings.get(mid)
        if meeting is None:
            return 404, {"code": 3001, "message": f"Meeting does not exist: {mid}."}
        if rq.method == "GET":
            return 200, meeting
        if rq.method == "PATCH":
            body = rq.json()
            need(set(body) <= ZOOM_FIELDS, f"PATCH: unknown fields {set(body) - ZOOM_FIELDS}")
            self.check_time(body, "PATCH /v2/meetings/{id}", required=False)
            with self.lock:
                meeting.update(body)
            return 204, None
        need(rq.method == "DELETE", f"{rq.method} {rq.path}: not a meetings method")
        with self.lock:
            del self.meetings[mid]
            self.deleted.append(mid)
        return 204, None

    def token(self, rq):
        need(rq.method == "POST", "token: must be POST")
        need(rq.query.get("grant_type") == ["account_credentials"],
             "token: grant_type=account_credentials is required")
        want = "Basic " + base64.b64encode(f"{self.client}:{self.secret}".encode()).decode()
        if rq.headers.get("authorization") != want:
            return 401, {"reason": "Invalid client_id or client_secret",
                         "error": "invalid_client"}
        if rq.query.get("account_id") != [self.account]:
            return 400, {"reason": "Invalid account_id", "error": "invalid_request"}
        return 200, {"access_token": self.new_token(), "token_type": "bearer",
                     "expires_in": self.expires_in, "scope": "meeting:write:meeting:admin",
                     "api_url": "https://api.zoom.us"}

    def check_time(self, body, where, required=True):
        start = field(body, "start_time", str, where, required)
        need(start is None or RFC3339_UTC.match(start), f"{where}: start_time {start!r} is "
             "not yyyy-MM-ddTHH:mm:ssZ")
        d = field(body, "duration", int, where, required)
        need(d is None or d > 0, f"{where}: duration must be positive")
        field(body, "timezone", str, where, required=False)

    def list(self, rq):
        """List meetings: GET /v2/users/me/meetings?type=...&page_size=...&next_page_token=...
        with the documented query only, paged by next_page_token."""
        where = "GET /v2/users/me/meetings"
        known = {"type", "page_size", "next_page_token", "page_number", "from", "to",
                 "timezone"}
        need(rq.raw == b"", f"{where}: a GET has no body")
        need(set(rq.query) <= known, f"{where}: unknown parameters {set(rq.query) - known}")
        need(all(len(v) == 1 for v in rq.query.values()), f"{where}: a parameter repeated")
        q = {k: v[0] for k, v in rq.query.items()}
        need(q.get("type", "scheduled") in ("scheduled", "live", "upcoming",
                                            "upcoming_meetings", "previous_meetings"),
             f"{where}: type {q.get('type')!r} is not one Zoom knows")
        need(q.get("type") == "scheduled", f"{where}: the server looks through type=scheduled")
        size = q.get("page_size", "30")
        need(size.isdigit() and 1 <= int(size) <= 300, f"{where}: page_size {size!r} is not "
             "1 to 300")
        with self.lock:
            start = 0
            if "next_page_token" in q:
                need(q["next_page_token"] in self.page_tokens,
                     f"{where}: next_page_token {q['next_page_token']!r} was never given")
                start = self.page_tokens[q["next_page_token"]]
            items = [m for m in self.meetings.values() if m["type"] == 2]
            n = min(int(size), self.list_page_max)
            page, token = items[start:start + n], ""
            if start + n < len(items):
                token = "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                                for _ in range(32))
                self.page_tokens[token] = start + n
        keys = ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone",
                "agenda", "created_at", "join_url")
        return 200, {"next_page_token": token, "page_size": n, "total_records": len(items),
                     "meetings": [{k: m[k] for k in keys if k in m} for m in page]}

    def create(self, rq):
        where = "POST /v2/users/me/meetings"
        body = rq.json()
        need(set(body) <= ZOOM_FIELDS, f"{where}: unknown fields {set(body) - ZOOM_FIELDS}")
        topic = field(body, "topic", str, where)
        need(0 < len(topic) <= 200, f"{where}: topic must be 1 to 200 characters")
        agenda = field(body, "agenda", str, where, required=False)
        need(agenda is None or len(agenda) <= 2000, f"{where}: agenda is over 2000 characters")
        need(field(body, "type", int, where) == 2, f"{where}: type must be 2 (scheduled)")
        self.check_time(body, where)
        settings = field(body, "settings", dict, where)
        need(field(settings, "waiting_room", bool, where) is True, "waiting_room must be on")
        need(field(settings, "join_before_host", bool, where) is False,
             "join_before_host must be off")
        mid = random.randrange(10**10, 10**11)
        pwd = "".join(random.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(6))
        enc = "".join(random.choice("ABCDEFabcdef0123456789") for _ in range(32))
        join = f"https://us05web.zoom.us/j/{mid}" + (f"?pwd={enc}.1" if self.embed_pwd else "")
        meeting = {"uuid": base64.b64encode(str(mid).encode()).decode(), "id": mid,
                   "host_id": "h0st1d", "host_email": "owner@example.com", "topic": topic,
                   "type": 2, "status": "waiting", "start_time": body["start_time"],
                   "duration": body["duration"], "timezone": body.get("timezone", "UTC"),
                   "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "start_url": f"https://us05web.zoom.us/s/{mid}?zak=HOST-SECRET-ZAK",
                   "join_url": join, "password": pwd, "h323_password": "123456",
                   "pstn_password": "123456", "encrypted_password": enc,
                   "settings": dict(settings, waiting_room=True), "pre_schedule": False}
        if agenda is not None:
            meeting["agenda"] = agenda
        with self.lock:
            self.meetings[mid] = meeting
            self.created.append(dict(meeting))
        return 201, meeting


class Google(Standin):
    """Google's OAuth token endpoint (/token, refresh_token grant) and the Calendar API's
    events on the primary calendar (/calendar/v3/calendars/primary/events[/{id}]), with a
    Meet conference per createRequest: pending for pending_polls reads, failed while
    conference_failures lasts, asked for again by a PATCH with a new requestId."""

    def __init__(self, client="g-client.apps.googleusercontent.com", secret="g-s3cret-xyz",
                 refresh="1//g-refresh-token-xyz"):
        super().__init__()
        self.client, self.secret, self.refresh = client, secret, refresh
        self.events = {}        # id -> event
        self.created = []       # every event inserted, in order
        self.deleted = []
        self.conferences = {}   # requestId -> Meet link (None: failed), one per request id
        self.conference_requests = []  # (event id, requestId) of each conference asked for
        self.pending_polls = 0  # how many reads still see a new conference as pending
        self.conference_failures = 0  # how many of the next new conferences Google fails

    def route(self, rq):
        if rq.path == "/token":
            return self.token(rq)
        base = "/calendar/v3/calendars/primary/events"
        need(rq.path.startswith(base), f"no such path {rq.path}")
        if not self.bearer(rq):
            return 401, {"error": {"code": 401, "message": "Request had invalid "
                                   "authentication credentials.", "status": "UNAUTHENTICATED"}}
        if rq.path == base:
            need(rq.method == "POST", f"{rq.method} {rq.path}: only insert is used")
            return self.insert(rq)
        eid = rq.path[len(base) + 1:]
        need(re.fullmatch(r"[a-v0-9]{5,1024}", eid), f"{rq.path}: not an event id")
        with self.lock:
            event = self.events.get(eid)
        if event is None or event["status"] == "cancelled":
            return (410, {"error": {"code": 410, "message": "Resource has been deleted"}}) \
                if event else (404, {"error": {"code": 404, "message": "Not Found"}})
        if rq.method == "GET":
            return 200, self.view(event)
        if rq.method == "PATCH":
            body = rq.json()
            need(set(body) <= {"start", "end", "summary", "attendees", "conferenceData"},
                 f"PATCH: unexpected fields {set(body)}")
            for k in ("start", "end"):
                if k in body:
                    self.check_when(body, k, "PATCH event")
            rid = None
            if "conferenceData" in body:
                need(rq.query.get("conferenceDataVersion") == ["1"],
                     "PATCH conferenceData: conferenceDataVersion=1 is required, or Google "
                     "ignores it")
                rid = self.check_create_request(body.pop("conferenceData"), "PATCH event")
            with self.lock:
                event.update(body)
                if rid is not None and rid != event["requestId"]:
                    self.new_conference(event, rid)
            return 200, self.view(event)
        need(rq.method == "DELETE", f"{rq.method} {rq.path}: not an events method")
        with self.lock:
            event["status"] = "cancelled"
            self.deleted.append(eid)
        return 204, None

    def token(self, rq):
        need(rq.method == "POST", "token: must be POST")
        f = rq.form()
        need(f.get("grant_type") == "refresh_token", "token: grant_type=refresh_token")
        for k in ("client_id", "client_secret", "refresh_token"):
            need(k in f, f"token: {k} is required")
        if (f["client_id"], f["client_secret"]) != (self.client, self.secret):
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        if f["refresh_token"] != self.refresh:
            return 400, {"error": "invalid_grant",
                         "error_description": "Token has been expired or revoked."}
        return 200, {"access_token": "ya29." + self.new_token(), "expires_in": self.expires_in,
                     "scope": "https://www.googleapis.com/auth/calendar.events",
                     "token_type": "Bearer"}

    def bearer(self, rq):
        h = rq.headers.get("authorization", "")
        need(h.startswith("Bearer ya29."), f"{rq.method} {rq.path}: no Bearer Authorization")
        with self.lock:
            return h[12:] in self.tokens

    def check_when(self, body, key, where):
        when = field(body, key, dict, where)
        t = field(when, "dateTime", str, f"{where}.{key}")
        need(RFC3339_UTC.match(t), f"{where}: {key}.dateTime {t!r} is not RFC 3339 UTC")
        field(when, "timeZone", str, f"{where}.{key}", required=False)
        return t

    def insert(self, rq):
        where = "POST events"
        need(rq.query.get("conferenceDataVersion") == ["1"],
             f"{where}: conferenceDataVersion=1 is required for a Meet conference")
        body = rq.json()
        eid = field(body, "id", str, where, required=False)
        need(eid is None or re.fullmatch(r"[a-v0-9]{5,1024}", eid),
             f"{where}: id {eid!r} is not base32hex of 5 to 1024 characters")
        field(body, "summary", str, where)
        start, end = self.check_when(body, "start", where), self.check_when(body, "end", where)
        need(start < end, f"{where}: the end is not after the start")
        attendees = field(body, "attendees", list, where)
        for a in attendees:
            need(isinstance(a, dict) and isinstance(a.get("email"), str),
                 f"{where}: each attendee needs an email")
        rid = self.check_create_request(field(body, "conferenceData", dict, where), where)
        with self.lock:
            if eid and eid in self.events:
                return 409, {"error": {"code": 409, "errors": [{"domain": "global",
                             "reason": "duplicate", "message": "The requested identifier "
                             "already exists."}], "message": "The requested identifier "
                             "already exists."}}
            eid = eid or "".join(random.choice("abcdefghijklmnopqrstuv0123456789")
                                 for _ in range(26))
            event = {"kind": "calendar#event", "id": eid, "status": "confirmed",
                     "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
                     "summary": body["summary"], "start": body["start"], "end": body["end"],
                     "attendees": [dict(a, responseStatus="needsAction") for a in attendees]}
            self.new_conference(event, rid)
            self.events[eid] = event
            self.created.append(dict(event))
        return 200, self.view(event, count_poll=False)

    def check_create_request(self, conf, where):
        """conferenceData with a createRequest for a Meet conference; returns its requestId."""
        need(isinstance(conf, dict), f"{where}: conferenceData must be an object")
        req = field(conf, "createRequest", dict, where)
        rid = field(req, "requestId", str, where)
        need(0 < len(rid) <= 200, f"{where}: requestId must be 1 to 200 characters")
        key = field(req, "conferenceSolutionKey", dict, where)
        need(field(key, "type", str, where) == "hangoutsMeet",
             f"{where}: conferenceSolutionKey.type must be hangoutsMeet")
        return rid

    def new_conference(self, event, rid):
        """Gives event the conference of request rid (under the lock): the one made for that
        requestId before, else a new one, which fails while conference_failures lasts."""
        self.conference_requests.append((event["id"], rid))
        if rid not in self.conferences:
            failed = self.conference_failures > 0
            self.conference_failures -= failed
            self.conferences[rid] = None if failed else "https://meet.google.com/" + "-".join(
                "".join(random.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(n))
                for n in (3, 4, 3))
        event.update(requestId=rid, link=self.conferences[rid], polls_left=self.pending_polls)

    def view(self, event, count_poll=True):
        """The event as the API shows it: the conference pending for a few reads, then made,
        or failed when Google could not make it."""
        out = {k: v for k, v in event.items() if k not in ("requestId", "link", "polls_left")}
        pending = event["polls_left"] > 0
        if pending and count_poll:
            with self.lock:
                event["polls_left"] -= 1
        code = "pending" if pending else "failure" if event["link"] is None else "success"
        conf = {"createRequest": {"requestId": event["requestId"],
                                  "conferenceSolutionKey": {"type": "hangoutsMeet"},
                                  "status": {"statusCode": code}}}
        if code == "success":
            out["hangoutLink"] = event["link"]
            conf.update({"entryPoints": [{"entryPointType": "video", "uri": event["link"],
                                          "label": event["link"][8:]}],
                         "conferenceSolution": {"key": {"type": "hangoutsMeet"},
                                                "name": "Google Meet"},
                         "conferenceId": event["link"].rsplit("/", 1)[1]})
        out["conferenceData"] = conf
        return out
