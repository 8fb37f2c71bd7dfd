"""A private D-Bus session bus (dbus-daemon on a socket in a temporary directory, with a
configuration of its own: no service activation, so nothing of the machine's answers) and
python3-dbusmock's notification_daemon template on it, which records every call.

    bus = NotifyBus(scratch, caps="body body-markup actions")
    env = {"DBUS_SESSION_BUS_ADDRESS": bus.address}
    ...
    summary, body, actions = bus.wait_notify(lambda n: n.summary == "Session in 5 min")
    bus.invoke(n.id, "join")            # the ActionInvoked signal, as a click would send it

With monitor=True, dbus-monitor records every message on the bus, so that a test can see a
call to the service go out and stay unanswered while the service hangs (pending_calls).
"""
import atexit
import json
import os
import signal
import subprocess

import dbus

from harness import wait_for

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Notification:
    """One Notify call as the service saw it; id is what the service answered."""

    def __init__(self, nid, when, args):
        self.id = nid
        self.time = when
        self.app_name = str(args[0])
        self.summary = str(args[3])
        self.body = str(args[4])
        acts = [str(a) for a in args[5]]
        self.actions = dict(zip(acts[0::2], acts[1::2]))

    def __repr__(self):
        return f"<{self.id} {self.summary!r} {self.body!r} {self.actions}>"


class Call:
    """A method call to the notification service as dbus-monitor saw it go through the bus;
    time is the bus's wall-clock time."""

    def __init__(self, when, serial, sender, member):
        self.time = when
        self.serial = serial
        self.sender = sender
        self.member = member

    def __eq__(self, other):
        return (self.sender, self.serial) == (other.sender, other.serial)

    def __hash__(self):
        return hash((self.sender, self.serial))

    def __repr__(self):
        return f"<{self.member} from {self.sender} #{self.serial} at {self.time:.3f}>"


class NotifyBus:
    def __init__(self, scratch, caps="body body-markup actions", service=True, monitor=False):
        self.dir = scratch.file(f"dbus-{id(self)}")
        os.makedirs(self.dir)
        conf = os.path.join(self.dir, "bus.conf")
        with open(conf, "w") as f:
            f.write(CONFIG.format(dir=self.dir))
        self.bus = subprocess.Popen(["dbus-daemon", "--nofork", "--print-address=1",
                                     f"--config-file={conf}"],
                                    stdout=subprocess.PIPE, text=True,
                                    stderr=open(os.path.join(self.dir, "bus.log"), "w"))
        self.address = self.bus.stdout.readline().strip()
        self.mock = None
        self.monitor = None
        self.stopped = False
        atexit.register(self.close)
        if not self.address:
            raise AssertionError("dbus-daemon did not start")
        self.conn = dbus.bus.BusConnection(self.address)
        if monitor:
            self.start_monitor()
        if service:
            self.start_service(caps)

    def start_monitor(self):
        """Starts dbus-monitor on the bus and waits until it watches."""
        self.monitor_log = os.path.join(self.dir, "monitor.log")
        self.monitor = subprocess.Popen(
            ["dbus-monitor", "--address", self.address, "--profile"],
            stdout=open(self.monitor_log, "w"), stderr=subprocess.STDOUT)
        # Becoming a monitor makes it lose its unique name: from then on it sees everything.
        wait_for(lambda: "\tNameLost" in self._monitored(), 10, "dbus-monitor to watch the bus")

    def _monitored(self):
        with open(self.monitor_log, errors="replace") as f:
            return f.read()

    def pending_calls(self):
        """The calls to the notification service's interface, oldest first, that it has not
        answered (neither a reply nor an error has gone back through the bus)."""
        calls, answered = [], set()
        for line in self._monitored().splitlines():
            f = line.split("\t")
            if f[0] == "mc" and len(f) >= 8 and f[6] == NAME:
                calls.append(Call(float(f[1]), f[2], f[3], f[7]))
            elif f[0] in ("mr", "err") and len(f) >= 6:
                answered.add((f[4], f[5]))  # (to whom, the serial it answers)
        return [c for c in calls if (c.sender, c.serial) not in answered]

    def start_service(self, caps):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)
        self.mock = subprocess.Popen(
            ["/usr/bin/python3", "-m", "dbusmock", "--template", "notification_daemon",
             "-p", json.dumps({"capabilities": caps})],
            env=env, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, "mock.log"), "w"))
        wait_for(lambda: self.conn.name_has_owner(NAME), 20, "dbusmock on the bus")
        self.mock_if = dbus.Interface(self.conn.get_object(NAME, PATH),
                                      "org.freedesktop.DBus.Mock")

    def hang(self):
        """Stops the service (SIGSTOP): it keeps its name but never answers."""
        self.mock.send_signal(signal.SIGSTOP)
        self.stopped = True

    def resume(self):
        """Lets a hung service run again (SIGCONT): it answers what waited for it."""
        self.mock.send_signal(signal.SIGCONT)
        self.stopped = False

    def calls(self, member):
        """Every call of member (Notify, GetCapabilities...) that the service received."""
        return [args for _, method, args in self.mock_if.GetCalls() if method == member]

    def notifications(self):
        """Every Notify call so far, oldest first."""
        out = []
        for when, method, args in self.mock_if.GetCalls():
            if method == "Notify":
                # The template answers replaces_id, or the next number from 1.
                nid = int(args[1]) or len(out) + 1
                out.append(Notification(nid, float(when), args))
        return out

    def wait_notify(self, pred, timeout=20, what="a notification"):
        """Waits for a Notify call that pred accepts and returns it."""
        def found():
            for n in self.notifications():
                if pred(n):
                    return n
            return None
        try:
            return wait_for(found, timeout, what)
        except AssertionError as e:
            raise AssertionError(f"{e}; the service saw {self.notifications()}") from None

    def invoke(self, nid, action):
        """Sends ActionInvoked(nid, action), as the service does when the user clicks it."""
        self.mock_if.EmitSignal(NAME, "ActionInvoked", "us", [dbus.UInt32(nid), action])

    def close(self):
        for p in (self.mock, self.monitor, self.bus):
            if p and p.poll() is None:
                if p is self.mock and self.stopped:
                    p.send_signal(signal.SIGCONT)
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if self.bus.stdout:
            self.bus.stdout.close()


class Remind:
    """`dheya-meet remind` running in the background for a Client, its stderr kept."""

    def __init__(self, client, env=None, args=()):
        from harness import CLIENT_BIN
        e = dict(client.env)
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        self.log_path = client.scratch.file(f"remind-{id(self)}.log")
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen([CLIENT_BIN, *args, "remind"], env=e,
                                     stdout=subprocess.DEVNULL, stderr=self.log_file,
                                     stdin=subprocess.DEVNULL)
        atexit.register(self.kill)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_log(self, text, timeout=20):
        try:
            return wait_for(lambda: text in self.log(), timeout, repr(text) + " in the log")
        except AssertionError as e:
            raise AssertionError(f"{e}; the log:\n{self.log()}") from None

    def stop(self, timeout=5):
        """SIGTERM; returns (exit status, seconds it took to exit)."""
        import time
        start = time.monotonic()
        self.proc.terminate()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"remind did not stop on SIGTERM; the log:\n{self.log()}")
        self.log_file.close()
        from harness import SANITIZER_REPORT
        if SANITIZER_REPORT.search(self.log()):
            raise AssertionError(f"sanitizer report from remind:\n{self.log()}")
        return code, time.monotonic() - start

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
