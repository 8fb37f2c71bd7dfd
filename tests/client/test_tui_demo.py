"""make demo as a new user meets it: tools/demo.sh starts dheya-server with demo data, opens
the sessions screen of the demo mentor in a real terminal, and q stops the server."""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import BUILD, ROOT, check, eq, run, test, wait_for  # noqa: E402
from term import Term  # noqa: E402


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except OSError:
        return True


@test
def demo_opens_the_sessions_screen_and_quitting_stops_the_server():
    with Term(100, 30) as t:
        env = {"BUILD": BUILD, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": t.scratch.file("home"), "LANG": "C.UTF-8", "TZ": "UTC",
               "TMPDIR": t.scratch.file("")}
        os.makedirs(env["HOME"], exist_ok=True)
        t.run(["/bin/sh", os.path.join(ROOT, "tools", "demo.sh")], env=env)
        t.wait_for("Sessions", timeout=20)
        t.wait_for(re.compile(r"Ravi Kumar|Meera Iyer|Kabir Singh"))
        t.send_keys("q")
        eq(t.wait_exit(), 0, "exit status")
        text = t.screen()
        m = re.search(r"running at http://127\.0\.0\.1:(\d+)", text)
        check(m, "the demo says where the server runs:\n" + text)
        wait_for(lambda: refused(int(m.group(1))), 10, "the demo server to stop")


if __name__ == "__main__":
    run()
