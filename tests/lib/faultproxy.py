"""A proxy in front of a real dheya-server that passes its answers through, or breaks them
the ways a network and a broken platform do, switchable while a test runs:

    None          pass the real answer through
    ("slow", s)   the real answer, s seconds late
    "hang"        never answer (until the mode changes or the proxy closes)
    "truncate"    the real status and Content-Length, half the body, then close
    "malformed"   200 with a body that is not JSON
    "500"         500 with the platform's error shape
    "reset"       the connection reset (RST) before any answer

Only the answers are scripted; every request still reaches the real server first (except
under "hang" and "reset"), so a retried submission is stored as the server would store it."""
import http.client
import socket
import struct
import threading
import time

from responder import Listener, read_request


class FaultProxy(Listener):
    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.mode = None
        self.served = 0  # requests answered in any way, for tests that wait for a retry
        self.lock = threading.Condition()
        super().__init__()

    def set(self, mode):
        with self.lock:
            self.mode = mode
            self.lock.notify_all()

    def wait_served(self, n, timeout=30):
        """Waits until n requests in all have been answered (or broken)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.served < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the proxy saw {self.served} requests, not {n}")
                self.lock.wait(left)

    def close(self):
        super().close()
        self.set(None)

    def _handle(self, conn):
        try:
            req = read_request(conn)
            if req is None:
                return
            with self.lock:
                mode = self.mode
            if mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if mode == "hang":
                with self.lock:
                    while self.mode == "hang" and not self.closing:
                        self.lock.wait(0.5)
                return
            status, reason, headers, body = self._forward(*req)
            if isinstance(mode, tuple) and mode[0] == "slow":
                time.sleep(mode[1])
            if mode == "malformed":
                status, reason, body = 200, "OK", b"{\"booking\": <html>oops</html>"
            elif mode == "500":
                status, reason = 500, "Internal Server Error"
                body = b'{"error": "internal error (injected)"}'
            sent = body[: len(body) // 2] if mode == "truncate" else body
            conn.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                         .encode() + sent)
        except OSError:
            pass
        finally:
            with self.lock:
                self.served += 1
                self.lock.notify_all()
            try:
                conn.close()
            except OSError:
                pass

    def _forward(self, method, target, headers, body):
        c = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            fwd = {k: v for k, v in headers.items()
                   if k.lower() not in ("connection", "content-length", "host")}
            c.request(method, target, body=body or None, headers=fwd)
            r = c.getresponse()
            return r.status, r.reason, r.getheaders(), r.read()
        finally:
            c.close()
