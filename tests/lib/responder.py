"""A scripted HTTP responder for answers a correct server never gives: invalid JSON,
truncated or oversized bodies, hangs, redirects, resets. Each path maps to a handler."""
import gzip
import socket
import threading
import time


class Listener:
    """A loopback listening socket on a free port, each connection handled on a thread of
    its own by the subclass's _handle(conn)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.closing = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closing:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def close(self):
        self.closing = True
        self.sock.close()


class Responder(Listener):
    def __init__(self):
        self.routes = {}
        self.prefixes = []  # (path prefix, handler), tried after the exact routes
        self.requests = []  # (path, headers dict)
        self.posts = []  # (path, headers dict, body bytes) of each POST
        super().__init__()

    def route(self, path, handler):
        """handler(conn, request_headers) writes whatever it likes to conn."""
        self.routes[path] = handler

    def route_prefix(self, prefix, handler):
        """handler for every path that starts with prefix (and has no exact route)."""
        self.prefixes.append((prefix, handler))

    def _handler_for(self, path):
        if path in self.routes:
            return self.routes[path]
        for prefix, handler in self.prefixes:
            if path.startswith(prefix):
                return handler
        return not_found

    def _handle(self, conn):
        try:
            req = read_request(conn)
            if req is None:
                return
            method, target, headers, body = req
            path = target.split("?")[0]
            self.requests.append((path, headers))
            if method == "POST":
                self.posts.append((path, headers, body))
            self._handler_for(path)(conn, headers)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def read_request(conn):
    """Reads one HTTP request from conn: (method, target, headers with lower-case names,
    body), or None when the peer closed first. The whole body is read: closing with unread
    bytes would reset the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    raw_head, _, body = data.partition(b"\r\n\r\n")
    head = raw_head.decode(errors="replace").split("\r\n")
    method, target = head[0].split(" ")[:2]
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    want = int(headers.get("content-length", "0") or 0)
    while len(body) < want:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return method, target, headers, body


def answer(status, body, extra=""):
    """A handler sending one complete answer."""
    if isinstance(body, str):
        body = body.encode()

    def h(conn, headers):
        conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
                     .encode() + body)
    return h


def not_found(conn, headers):
    answer(404, '{"error": "no route"}')(conn, headers)


def truncated(conn, headers):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 5000\r\n\r\n{\"sessions\": [")


def hang(conn, headers):
    time.sleep(30)


def oversized(conn, headers):
    body = b'{"sessions": [], "pad": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    try:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    except OSError:
        pass


def endless_chunked(conn, headers):
    try:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(1000):
            conn.sendall(b"10000\r\n" + chunk + b"\r\n")
    except OSError:
        pass


def gzip_bomb(conn, headers):
    body = gzip.compress(b" " * (200 * 1024 * 1024), compresslevel=9)
    try:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Encoding: gzip\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    except OSError:
        pass


def reset_mid_body(conn, headers):
    import struct
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"sess")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def redirect(location, status=302):
    return answer(status, "", f"Location: {location}\r\n")


class Switch:
    """A handler that does what the handler last given to set() does."""

    def __init__(self, handler):
        self.handler = handler

    def set(self, handler):
        self.handler = handler

    def __call__(self, conn, headers):
        self.handler(conn, headers)


def held(event, handler, timeout=30):
    """A handler that waits until event is set (at most timeout s), then acts as handler."""
    def h(conn, headers):
        event.wait(timeout)
        handler(conn, headers)
    return h


def delayed(seconds, handler):
    def h(conn, headers):
        time.sleep(seconds)
        handler(conn, headers)
    return h


def sequence(*handlers):
    """Each request gets the next handler; the last repeats."""
    state = {"i": 0}

    def h(conn, headers):
        i = min(state["i"], len(handlers) - 1)
        state["i"] += 1
        handlers[i](conn, headers)
    return h


def trickle(body, every, head_too=False, status=200):
    """A handler that sends a whole answer's headers at once (or with head_too, those too)
    and then its body one byte every `every` seconds: a server or a link that trickles. It
    stops as soon as the client gives up (closes), and counts the bytes it got out in
    h.sent."""
    if isinstance(body, str):
        body = body.encode()
    head = (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()

    def h(conn, headers):
        import select
        slow = head + body if head_too else body
        try:
            if not head_too:
                conn.sendall(head)
            for i in range(len(slow)):
                # Readable means closed by the client (it sends nothing more): stop there.
                if select.select([conn], [], [], every)[0]:
                    return
                conn.sendall(slow[i:i + 1])
                h.sent += 1
        except OSError:
            pass
    h.sent = 0
    return h
