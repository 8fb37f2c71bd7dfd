"""valgrind memcheck on the interactive dheya-meet, end to end: in a real terminal (tmux,
tests/lib/term.py) against a real dheya-server, scripted keys take the mentor through the
whole flow: sessions -> room -> the checklist ticked -> join (the browser is a script that
records its arguments) -> end the session (y) -> 4 stars and a comment -> submit -> quit.

    BUILD=build python3 tests/bench/valgrind.py

make bench runs it last, after its own figures (minutes under memcheck; BENCH_VALGRIND=0
leaves it out), and prints its report.

memcheck runs with --leak-check=full --errors-for-leak-kinds=definite, and
--child-silent-after-fork=yes: the launcher's forked child leaves with _exit() at once, and
memcheck would report the parent's heap, copied into it, as lost there. The script prints
memcheck's error and leak summaries, then every definite leak with the first frames of its
stack, each marked "ours" when the allocation was made from dheya-meet's own code (the
first frame above the allocator is in the program, not in a library), and exits 1 if
memcheck reported an error or a definite leak from our code. The whole log is kept in
VALGRIND_LOG when that is set."""
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, Client, Scratch, Server, browser_recorder  # noqa: E402
from term import Term  # noqa: E402

TIMEOUT = 120  # seconds per screen under valgrind (20-50 times slower than native)
ALLOCATORS = re.compile(r"^(malloc|calloc|realloc|reallocarray|strdup|strndup|memalign|"
                        r"posix_memalign|aligned_alloc|g_malloc0?|g_realloc|g_try_malloc0?|"
                        r"g_strdup|g_strndup|g_memdup2?|g_slice_alloc0?|g_slice_copy)$")


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def flow(log):
    srv = Server()
    mentor, mentee, pkg = srv.cast("Vera")
    b = srv.book(mentee, mentor, pkg, when=iso(-120), notes="Goals: valgrind run")["booking"]
    with Term(80, 24) as t:
        c = Client(srv, mentor["token"], scratch=t.scratch)
        script, record = browser_recorder(t.scratch)
        t.run([shutil.which("valgrind"), "--tool=memcheck", "--leak-check=full",
               "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
               "--num-callers=30", "--child-silent-after-fork=yes", f"--log-file={log}",
               CLIENT_BIN],
              env={**c.env, "BROWSER": script})
        t.wait_for(re.compile(r"Vera Mentee\s+Destinatio.*SCHEDULED"), TIMEOUT)
        t.send_keys("Enter")
        t.wait_for("Session 1 with Vera Mentee", TIMEOUT)
        t.wait_for("[ ] Audio", TIMEOUT)
        t.send_keys("Space")
        t.wait_for("[x] Audio", TIMEOUT)
        t.send_keys("Down", "Space")
        t.wait_for("[x] Video", TIMEOUT)
        t.send_keys("Down", "Space")
        t.wait_for("[x] Goals", TIMEOUT)
        t.send_keys("Enter")
        t.wait_for("opened in the browser", TIMEOUT)
        if not os.path.exists(record):
            raise SystemExit("the browser was not launched")
        t.send_keys("e")
        t.wait_for("End the session?", TIMEOUT)
        t.send_keys("y")
        t.wait_for("How did the session with Vera Mentee go?", TIMEOUT)
        t.send_keys("4")
        t.wait_for("4/5", TIMEOUT)
        t.send_keys("Tab")
        comment = "Très bien 👍 — valgrind"
        t.type(comment)
        t.wait_for(comment, TIMEOUT)
        t.send_keys("C-s")
        t.wait_for(lambda s: "Feedback sent" in s, TIMEOUT)
        fb = srv.request("GET", f"/api/sessions/{b['id']}/meeting",
                         token=mentor["token"]).json()["booking"].get("feedback")
        if not fb or fb.get("rating") != 4:
            raise SystemExit(f"the feedback was not stored: {fb}")
        t.send_keys("q")
        t.wait_for("Sessions", TIMEOUT)
        t.send_keys("q")
        status = t.wait_exit(TIMEOUT * 2)
    srv.stop()
    return status


def leaks(text):
    """The definite-leak records: (headline, frames as (function, object) pairs)."""
    out = []
    for block in re.split(r"==\d+== \n", text):
        lines = [re.sub(r"^==\d+== ", "", ln) for ln in block.splitlines()]
        head = next((ln for ln in lines if "definitely lost in loss record" in ln), None)
        if head is None:
            continue
        frames = []
        for ln in lines:
            m = re.match(r"\s+(?:at|by) 0x[0-9A-F]+: (\S+) \((?:in )?([^)]*)\)", ln)
            if m:
                frames.append((m.group(1), m.group(2)))
        out.append((head.strip(), frames))
    return out


def ours(frames):
    """True when the first frame above the allocator is dheya-meet's own code."""
    for fn, where in frames:
        if ALLOCATORS.match(fn) or "vgpreload" in where:
            continue
        return not re.search(r"\.so[.\d]*$|/lib/", where)
    return False


def main():
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    scratch = Scratch()
    log = os.environ.get("VALGRIND_LOG") or scratch.file("memcheck.log")
    started = time.monotonic()
    status = flow(log)
    with open(log) as f:
        text = f.read()
    print(f"valgrind memcheck, the whole interactive flow: {time.monotonic() - started:.0f} s, "
          f"dheya-meet exit status {status}")
    for key in ("ERROR SUMMARY", "definitely lost", "indirectly lost", "possibly lost",
                "still reachable", "suppressed"):
        m = re.search(r"==\d+== +(" + key + r":.*)", text)
        if m:
            print("  " + m.group(1))
    found = leaks(text)
    mine = 0
    for head, frames in found:
        is_ours = ours(frames)
        mine += is_ours
        print(f"  {'OURS' if is_ours else 'library'}: {head}")
        for fn, where in frames[:8]:
            print(f"      {fn} ({os.path.basename(where)})")
    errors = int(re.search(r"ERROR SUMMARY: (\d+)", text).group(1))
    leak_errors = len(found)
    print(f"  {len(found)} definite leak records, {mine} from our code; "
          f"{errors - leak_errors} other memcheck errors")
    Scratch.cleanup_all()
    sys.exit(1 if mine or errors > leak_errors or status != 0 else 0)


main()
