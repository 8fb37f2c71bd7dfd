"""Each class of network failure, as dheya-meet reports it: server not running, hung
(SIGSTOP), TLS failures, and a scripted responder for answers a correct server never gives
(invalid JSON, truncated, oversized, gzip bomb, resets, redirects, 429/5xx then success)."""
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (CLIENT_BIN, SANITIZER_REPORT, Client, Scratch, Server, check, eq,  # noqa: E402
                     free_port, run, test)
import responder as R  # noqa: E402

resp = R.Responder()
SESSIONS = "/api/sessions"


def client_for(url, token="tok", timeout=None):
    c = Client(None, token)
    c.env["DHEYA_API_URL"] = url
    if timeout:
        c.config(f"timeout_seconds = {timeout}\nretries = 0\n")
    return c


@test
def server_not_running():
    port = free_port()
    c = client_for(f"http://127.0.0.1:{port}")
    r = c.run("list")
    eq(r.returncode, 1)
    check(f"cannot connect to 127.0.0.1 port {port}" in r.err, r.err)
    check(r.elapsed < 5, "retries are short")


@test
def a_stalled_connect_ends_at_the_connect_timeout():
    import socket
    # A listener that never accepts, with its backlog full: further SYNs are dropped, so a
    # new connection neither succeeds nor fails until the client gives up.
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(0)
    port = lsock.getsockname()[1]
    fillers = []
    for _ in range(4):
        f = socket.socket()
        f.setblocking(False)
        f.connect_ex(("127.0.0.1", port))
        fillers.append(f)
    c = client_for(f"http://127.0.0.1:{port}")
    c.config("connect_timeout_seconds = 1\nretries = 0\n")
    r = c.run("list")
    for f in fillers:
        f.close()
    lsock.close()
    eq(r.returncode, 1)
    check(f"timed out connecting to 127.0.0.1 port {port} (after 1 s)" in r.err, r.err)
    check(r.elapsed < 4, f"{r.elapsed:.1f} s")


@test
def hung_server_ends_at_the_timeout():
    srv = Server()
    u = srv.user("Hung Mentor", "mentor")
    c = Client(srv, u["token"])
    c.config("timeout_seconds = 2\n")
    srv.proc.send_signal(signal.SIGSTOP)
    try:
        r = c.run("list")
    finally:
        srv.proc.send_signal(signal.SIGCONT)
    eq(r.returncode, 1)
    check("timed out waiting for 127.0.0.1 port" in r.err and "2 s" in r.err, r.err)
    check(1.5 < r.elapsed < 6, f"ended at the timeout ({r.elapsed:.1f} s)")
    srv.stop()


@test
def responder_hang_is_a_timeout_too():
    resp.route("/hang" + SESSIONS, R.hang)
    r = client_for(resp.url + "/hang", timeout=1).run("list")
    eq(r.returncode, 1)
    check("timed out" in r.err, r.err)
    check(r.elapsed < 4, r.elapsed)


@test
def invalid_json_is_reported():
    resp.route("/badjson" + SESSIONS, R.answer(200, '{"sessions": [tru'))
    r = client_for(resp.url + "/badjson").run("list")
    eq(r.returncode, 1)
    check("not valid JSON" in r.err, r.err)


@test
def a_missing_field_is_named():
    resp.route("/nofield" + SESSIONS, R.answer(200, '{"sessions": [{"booking": {}}]}'))
    r = client_for(resp.url + "/nofield").run("list")
    eq(r.returncode, 1)
    check("sessions[0]: booking.id: missing" in r.err, r.err)


@test
def a_truncated_body_is_reported():
    resp.route("/trunc" + SESSIONS, R.truncated)
    r = client_for(resp.url + "/trunc", timeout=3).run("list")
    eq(r.returncode, 1)
    check("broke before the answer was complete" in r.err, r.err)


@test
def oversized_bodies_are_cut_at_the_cap():
    # Memory stays bounded: the 4 MiB cap, not the 6 MiB body, the 64 MiB chunked one or the
    # 200 MiB the bomb inflates to. AddressSanitizer's shadow and quarantine cost more.
    with open(CLIENT_BIN, "rb") as f:
        sanitized = b"__asan_init" in f.read()
    bound = 96 if sanitized else 48
    for name, handler in (("big", R.oversized), ("chunked", R.endless_chunked),
                          ("bomb", R.gzip_bomb)):
        resp.route(f"/{name}" + SESSIONS, handler)
        c = client_for(f"{resp.url}/{name}", timeout=10)
        code, err, peak_mb = peak_memory(c, "list")
        eq(code, 1, name)
        check("larger than 4194304 bytes" in err, f"{name}: {err}")
        print(f"# {name}: peak memory {peak_mb:.1f} MB", flush=True)
        check(peak_mb < bound, f"{name}: peak memory {peak_mb:.1f} MB, over {bound} MB")


def peak_memory(client, *args):
    """Runs dheya-meet ARGS; returns its exit status, its stderr and its peak resident memory
    in MB, as GNU time reads it from wait4. Not from a child of this Python: a process
    started from here has Python's own peak in its ru_maxrss, which exec does not reset."""
    out = client.scratch.file(f"maxrss-{time.monotonic_ns()}")
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out, CLIENT_BIN, *args],
                       env=client.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, errors="replace", timeout=60)
    check(not SANITIZER_REPORT.search(p.stderr), p.stderr)
    with open(out) as f:
        kb = int(f.read().split()[-1])
    return p.returncode, p.stderr, kb / 1024


@test
def reset_mid_body_is_retried_then_reported():
    resp.route("/reset" + SESSIONS, R.reset_mid_body)
    before = len(resp.requests)
    r = client_for(resp.url + "/reset").run("list")
    eq(r.returncode, 1)
    check("broke" in r.err, r.err)
    eq(len(resp.requests) - before, 3, "two retries for an idempotent GET")


@test
def server_errors_are_retried_with_backoff():
    resp.route("/flaky" + SESSIONS, R.sequence(
        R.answer(503, '{"error": "maintenance"}'), R.answer(500, '{"error": "oops"}'),
        R.answer(200, '{"sessions": []}')))
    before = len(resp.requests)
    r = client_for(resp.url + "/flaky").run("list")
    eq(r.returncode, 0, r.err)
    check("No sessions" in r.out, r.out)
    eq(len(resp.requests) - before, 3)
    resp.route("/down" + SESSIONS, R.answer(502, '{"error": "bad gateway"}'))
    r = client_for(resp.url + "/down").run("list")
    eq(r.returncode, 1)
    check("the platform failed (502): bad gateway" in r.err, r.err)


@test
def rate_limits_wait_for_retry_after():
    resp.route("/limited" + SESSIONS, R.sequence(
        R.answer(429, '{"error": "slow down"}', "Retry-After: 1\r\n"),
        R.answer(200, '{"sessions": []}')))
    r = client_for(resp.url + "/limited").run("list")
    eq(r.returncode, 0, r.err)
    check(r.elapsed >= 0.9, f"waited for Retry-After ({r.elapsed:.2f} s)")
    resp.route("/always429" + SESSIONS, R.answer(429, '{"error": "slow down"}',
                                                 "Retry-After: 120\r\n"))
    r = client_for(resp.url + "/always429").run("list")
    eq(r.returncode, 1)
    check("rate-limited by the platform (429)" in r.err, r.err)
    check(r.elapsed < 5, "a long Retry-After is reported, not slept through")


@test
def redirects_to_another_origin_are_not_followed():
    other = R.Responder()
    other.route(SESSIONS, R.answer(200, '{"sessions": []}'))
    resp.route("/away" + SESSIONS, R.redirect(other.url + SESSIONS))
    r = client_for(resp.url + "/away", token="secret-token").run("list")
    eq(r.returncode, 1)
    check("redirected to another address" in r.err and "token is not sent" in r.err, r.err)
    eq(other.requests, [], "nothing reached the other port, least of all the token")
    resp.route("/https" + SESSIONS, R.redirect(f"https://127.0.0.1:{resp.port}{SESSIONS}"))
    r = client_for(resp.url + "/https").run("list")
    check("another address" in r.err, "a scheme change is another origin: " + r.err)
    other.close()


@test
def same_origin_redirects_are_followed_and_loops_stopped():
    resp.route("/moved" + SESSIONS, R.redirect("/target" + SESSIONS, 307))
    resp.route("/target" + SESSIONS, R.answer(200, '{"sessions": []}'))
    r = client_for(resp.url + "/moved", token="tok").run("list")
    eq(r.returncode, 0, r.err)
    path, headers = resp.requests[-1]
    eq(path, "/target" + SESSIONS)
    eq(headers.get("authorization"), "Bearer tok", "same origin keeps the token")
    resp.route("/loop" + SESSIONS, R.redirect("/loop" + SESSIONS))
    r = client_for(resp.url + "/loop").run("list")
    eq(r.returncode, 1)
    check("too many redirects" in r.err, r.err)


def https_server(scratch, cert, key):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"sessions": []}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def make_cert(scratch, name, san):
    cert, key = scratch.file(f"{name}.pem"), scratch.file(f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


@test
def self_signed_and_wrong_host_certificates_are_refused():
    scratch = Scratch()
    cert, key = make_cert(scratch, "selfsigned", "IP:127.0.0.1")
    httpd = https_server(scratch, cert, key)
    url = f"https://127.0.0.1:{httpd.server_port}"
    c = client_for(url)
    r = c.run("list")
    eq(r.returncode, 1)
    check("TLS failure with 127.0.0.1" in r.err, r.err)
    c.config(f"ca_file = {cert}\n")
    r = c.run("list")
    eq(r.returncode, 0, "trusted through ca_file: " + r.err)
    r = client_for(url).run("list", "--insecure")
    eq(r.returncode, 0, r.err)
    check("warning: --insecure" in r.err, r.err)
    httpd.shutdown()
    wrong, wkey = make_cert(scratch, "wronghost", "DNS:elsewhere.example")
    httpd = https_server(scratch, wrong, wkey)
    c = client_for(f"https://127.0.0.1:{httpd.server_port}")
    c.config(f"ca_file = {wrong}\n")
    r = c.run("list")
    eq(r.returncode, 1)
    check("TLS failure" in r.err, r.err)
    httpd.shutdown()


@test
def error_messages_from_servers_are_sanitized():
    resp.route("/evilerr" + SESSIONS, R.answer(400, '{"error": "bad \\u001b]0;x\\u0007 \\u009b"}'))
    r = client_for(resp.url + "/evilerr").run("list")
    eq(r.returncode, 1)
    check("\x1b" not in r.err and "\x9b" not in r.err and "\x07" not in r.err, repr(r.err))
    check("refused the request (400)" in r.err, r.err)


run()
