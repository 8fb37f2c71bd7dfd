"""A real terminal for end-to-end tests: a private tmux server (its own socket under a
temporary directory, no configuration file) with one window of a fixed size, in which a
program runs with exactly the environment a test gives it.

Every byte the program writes to the terminal is recorded: each run starts paused (its shell
waits on a FIFO), the recording (`pipe-pane`) is opened, and only then is the program let go.
The program's exit status, its stderr and the terminal modes (`stty -g`) before and after it
are kept in files, and after it exits the shell prints AFTER_EXIT, so a test can see that the
terminal was given back, and waits, so that the screen stays as the program left it.

    with Term(width=80, height=24, term="xterm-256color") as t:
        t.run([CLIENT_BIN], env={...})
        t.wait_for("Sessions")
        t.send_keys("q")
        eq(t.wait_exit(), 0)
"""
import atexit
import os
import re
import shlex
import signal
import subprocess
import time

from harness import SANITIZER_REPORT, Scratch, wait_for

AFTER_EXIT = "[[after-exit]]"


class Term:
    """One tmux server with one window; see the module's comment. Use it as a context
    manager (or call close()) so that the server is killed whatever happens."""

    _serial = 0
    _open = []

    def __init__(self, width=80, height=24, term="xterm-256color", scratch=None):
        Term._serial += 1
        self.scratch = scratch or Scratch()
        self.dir = os.path.join(self.scratch.path, f"term{Term._serial}")
        os.makedirs(self.dir)
        self.socket = f"dheya-{os.getpid()}-{Term._serial}-{time.monotonic_ns()}"
        self.term = term
        self.width, self.height = width, height
        # The socket lives under our own directory, so nothing is left behind in /tmp and no
        # other test (or the user's own tmux) shares it.
        self.tmux_env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "SHELL": "/bin/sh",
                         "TMUX_TMPDIR": self.dir, "HOME": self.dir}
        self.runs = 0
        self.started = False
        Term._open.append(self)

    # ---- tmux itself ----

    def tmux(self, *args, check=True):
        """Runs a tmux command on this server and returns its stdout."""
        p = subprocess.run(["tmux", "-u", "-L", self.socket, "-f", "/dev/null", *args],
                           capture_output=True, text=True, env=self.tmux_env, timeout=20)
        if check and p.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {p.stderr.strip()}")
        return p.stdout

    def _file(self, name):
        return os.path.join(self.dir, f"run{self.runs}.{name}")

    def run(self, argv, env=None, cwd=None, stderr_to_file=True, program=None):
        """Starts argv (a list) in the window with exactly env (plus TERM), the previous run
        having ended. Returns once the program is running and being recorded. Its stderr
        goes to a file (see stderr()), or with stderr_to_file=False to the terminal, as it
        would for a user. program is the executable pid() looks for, when argv[0] is a
        wrapper that execs it (default: argv[0])."""
        if self.started and self.exited() is None:
            raise AssertionError("the previous program is still running")
        self.runs += 1
        self.program = os.path.realpath(program or argv[0])
        go = self._file("go")
        os.mkfifo(go)
        env = dict(env or {})
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):  # make SANITIZE=1 check
            if k in os.environ and k not in env:
                env[k] = os.environ[k]
        env_args = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
        q = shlex.quote
        script = self._file("sh")
        with open(script, "w") as f:
            f.write(
                "read _ < " + q(go) + "\n"
                "stty -g > " + q(self._file("stty-before")) + "\n"
                f'env -i TERM="$TERM" {env_args} ' + " ".join(q(a) for a in argv) +
                (" 2> " + q(self._file("err")) if stderr_to_file else "") + "\n"
                "st=$?\n"
                "stty -g > " + q(self._file("stty-after")) + "\n"
                "printf '%s\\n' " + q(AFTER_EXIT) + "\n"
                "echo $st > " + q(self._file("exit.tmp")) + " && mv " +
                q(self._file("exit.tmp")) + " " + q(self._file("exit")) + "\n"
                # The pane stays as the program left it (a dead pane would scroll it up
                # for its "Pane is dead" line) until the next run or close().
                "exec sleep 86400\n")
        command = "cd " + q(cwd or self.dir) + " && exec /bin/sh " + q(script)
        if not self.started:
            # Options first, so that the pane is created with them (TERM comes from
            # default-terminal when the pane starts). window-size manual (below) keeps
            # the size we set, as no client is attached.
            self.tmux("set", "-g", "default-terminal", self.term, ";",
                      "set", "-g", "remain-on-exit", "on", ";",
                      "set", "-g", "set-clipboard", "on", ";",
                      "set", "-g", "history-limit", "0", ";",
                      "new-session", "-d", "-s", "main", "-x", str(self.width),
                      "-y", str(self.height), command)
            # Set before new-session, this one makes tmux 3.3a's server exit.
            self.tmux("set", "-g", "window-size", "manual")
            self.started = True
            self.title_before = self.title()
        else:
            self.tmux("respawn-pane", "-k", "-t", "main", command)
            self.tmux("pipe-pane", "-t", "main")  # the last run's recording ends here
        self.tmux("pipe-pane", "-o", "-t", "main", "cat >> " + q(self._file("raw")))
        # The FIFO opens for writing only once the shell is reading it.
        fd = wait_for(lambda: _open_writer(go), 10, "the run script to wait for its go")
        os.write(fd, b"go\n")
        os.close(fd)

    def close(self):
        """Kills the program (if it still runs) and the tmux server."""
        if self in Term._open:
            Term._open.remove(self)
        if not self.started:
            return
        pid = self._child()
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.tmux("kill-server", check=False)
        self.started = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- the window ----

    def screen(self, colours=False):
        """The visible screen as text, one line per row (trailing blanks trimmed); with
        colours, including the SGR escape sequences of each cell's attributes."""
        args = ["capture-pane", "-p", "-t", "main"]
        if colours:
            args.append("-e")
        return self.tmux(*args)

    def wait_for(self, pattern, timeout=10.0, colours=False):
        """Waits until the screen shows pattern (a string, a compiled regex, or a function of
        the screen text) and returns that screen; on timeout the error shows the last one."""
        last = [""]

        def shown():
            last[0] = self.screen(colours)
            if callable(pattern):
                return pattern(last[0])
            if isinstance(pattern, re.Pattern):
                return pattern.search(last[0])
            return pattern in last[0]

        try:
            wait_for(shown, timeout, f"{getattr(pattern, 'pattern', pattern)!r} on screen")
        except AssertionError as e:
            raise AssertionError(f"{e}; the screen was:\n{last[0]}{self._stderr_note()}") \
                from None
        return last[0]

    def never(self, pattern, during):
        """Watches the screen for `during` seconds and fails the moment it shows pattern (a
        regex or a string): for what must not appear at the program's next ticks."""
        deadline = time.monotonic() + during
        while time.monotonic() < deadline:
            s = self.screen()
            if (pattern.search(s) if isinstance(pattern, re.Pattern) else pattern in s):
                raise AssertionError(f"{getattr(pattern, 'pattern', pattern)!r} appeared:\n{s}")
            time.sleep(0.05)

    def wait_gone(self, text, timeout=10.0):
        """Waits until text is no longer on the screen."""
        return self.wait_for(lambda s: text not in s, timeout)

    def send_keys(self, *keys, literal=False):
        """Sends key names (Enter, Tab, BTab, Escape, C-s, F10, Space, Up...) or, with
        literal, the text itself (UTF-8 included)."""
        if literal:
            for text in keys:
                # tmux reads an argument ending in ";" as the end of a command.
                if text.endswith(";"):
                    text = text[:-1] + "\\;"
                self.tmux("send-keys", "-t", "main", "-l", "--", text)
        else:
            self.tmux("send-keys", "-t", "main", *keys)

    def type(self, text):
        self.send_keys(text, literal=True)

    def answer_time(self, *keys, literal=False, timeout=5.0):
        """Sends keys and returns the seconds until the program's first bytes after them reach
        the recording: the time the program took to answer, without the cost of capturing
        the screen (a tmux client per look, tens of ms on a busy machine), which a timing
        by capture-pane would add. The keys go out between two of the program's clock ticks
        (whole wall-clock seconds, 0.15-0.6 s past one), so a tick's redraw is never taken
        for the answer. The caller checks what the answer showed with wait_for."""
        while not 0.15 <= time.time() % 1 <= 0.6:
            time.sleep(0.01)
        raw = self._file("raw")
        size = os.path.getsize(raw) if os.path.exists(raw) else 0
        begun = time.monotonic()
        self.send_keys(*keys, literal=literal)
        while not (os.path.exists(raw) and os.path.getsize(raw) > size):
            if time.monotonic() - begun > timeout:
                raise AssertionError(f"no answer to {keys} in {timeout} s; the screen was:\n"
                                     f"{self.screen()}{self._stderr_note()}")
            time.sleep(0.0005)
        return time.monotonic() - begun

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "main", "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    def title(self):
        return self.tmux("display", "-p", "-t", "main", "#{pane_title}").rstrip("\n")

    def info(self, fmt):
        """A tmux format about the pane, e.g. '#{alternate_on}'."""
        return self.tmux("display", "-p", "-t", "main", fmt).rstrip("\n")

    def buffers(self):
        """tmux's paste buffers (an OSC 52 that reached tmux makes one)."""
        return self.tmux("list-buffers", check=False)

    # ---- the program ----

    def _child(self):
        """The pid of the program (the run script's child running argv[0]), or None."""
        try:
            shell = int(self.info("#{pane_pid}"))
            with open(f"/proc/{shell}/task/{shell}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except (ValueError, OSError, AssertionError):
            return None
        for kid in kids:
            try:
                if os.readlink(f"/proc/{kid}/exe") == self.program:
                    return kid
            except OSError:
                pass
        return None

    def pid(self, timeout=10):
        """The pid of the running program."""
        return wait_for(self._child, timeout, "the program's process")

    def exited(self):
        """The exit status if the program has ended, else None."""
        try:
            with open(self._file("exit")) as f:
                return int(f.read())
        except FileNotFoundError:
            return None

    def wait_exit(self, timeout=10):
        """Waits for the program to end; returns its exit status (128+N for signal N).
        A sanitizer report on its stderr is an error."""
        try:
            wait_for(lambda: self.exited() is not None, timeout, "the program to exit")
        except AssertionError as e:
            raise AssertionError(f"{e}; the screen was:\n{self.screen()}{self._stderr_note()}") \
                from None
        if SANITIZER_REPORT.search(self.stderr()):
            raise AssertionError(f"sanitizer report:{self._stderr_note()}")
        return self.exited()

    def stderr(self):
        try:
            with open(self._file("err"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _stderr_note(self):
        err = self.stderr()
        return f"\nstderr of the program:\n{err[-3000:]}" if err else ""

    def stty(self):
        """The terminal modes (stty -g) before and after the program ran."""
        out = []
        for name in ("stty-before", "stty-after"):
            with open(self._file(name)) as f:
                out.append(f.read().strip())
        return tuple(out)

    def raw(self, final=True, timeout=10):
        """Every byte the program wrote to the terminal. With final, waits for the program
        to end and for the recording to hold the marker the shell prints after it (tmux
        keeps the order), and returns what came before; else what has arrived so far."""
        def read():
            try:
                with open(self._file("raw"), "rb") as f:
                    return f.read()
            except FileNotFoundError:
                return b""
        if not final:
            return read()
        self.wait_exit(timeout)
        marker = AFTER_EXIT.encode()
        data = wait_for(lambda: marker in read() and read(), timeout,
                        "the end of the terminal recording")
        return data[:data.index(marker)]


@atexit.register
def _close_all():
    for t in list(Term._open):
        t.close()


def _open_writer(path):
    try:
        return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # ENXIO: no reader yet
        return None
