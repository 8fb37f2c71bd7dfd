"""The documents a user reads: the man pages lint clean (mandoc and groff), say every option,
command, config key, theme and environment variable the programs have, and `make install`
puts them where man finds them, and the systemd user unit of `remind` with the path of the
installed program, part of the graphical session, accepted by systemd-analyze; the README's
hardening table names tests that exist."""
import os
import re
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import CLIENT_BIN, ROOT, SERVER_BIN, Scratch, check, eq, run, test  # noqa: E402

MEET_PAGE = os.path.join(ROOT, "man", "dheya-meet.1")
SERVER_PAGE = os.path.join(ROOT, "man", "dheya-server.8")
PAGES = (MEET_PAGE, SERVER_PAGE)


def rendered(page):
    """The page as a reader sees it, in plain ASCII (mandoc's overstrike removed), with lines
    long enough that no word is broken at a hyphen."""
    out = subprocess.run(["mandoc", "-T", "ascii", "-O", "width=1000", page], capture_output=True, text=True,
                         check=True).stdout
    return re.sub(r".\x08", "", out)


def help_text(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=10)
    eq(r.returncode, 0, f"{binary} {args}: {r.stderr}")
    return r.stdout


def options_in(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))


def variables_read_by(*dirs):
    """Every environment variable the sources read by name: getenv("NAME")."""
    names = set()
    for d in dirs:
        for f in os.listdir(os.path.join(ROOT, d)):
            if f.endswith(".c"):
                with open(os.path.join(ROOT, d, f), encoding="utf-8") as src:
                    names |= set(re.findall(r'getenv\("([A-Z_][A-Z0-9_]*)"\)', src.read()))
    return names


def missing_from(page_text, words):
    return sorted(w for w in words if not re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])",
                                                   page_text))


@test
def man_pages_lint_clean_with_mandoc():
    for page in PAGES:
        r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", page], capture_output=True,
                           text=True)
        eq((r.returncode, r.stdout + r.stderr), (0, ""), page)


@test
def man_pages_render_without_groff_warnings():
    env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat", LC_ALL="C.UTF-8")
    for page in PAGES:
        r = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                           env=env)
        eq((r.returncode, r.stderr), (0, ""), page)
        name = os.path.basename(page).rsplit(".", 1)[0]
        check(re.search(r"(?m)^NAME\n\s+" + re.escape(name) + r"\s+-\s", r.stdout), r.stdout[:400])


@test
def dheya_meet_page_has_every_command_option_and_variable():
    page = rendered(MEET_PAGE)
    usage = help_text(CLIENT_BIN, "--help")
    commands = set(re.findall(r"dheya-meet (?:\[options\] )?([a-z]+)\b", usage))
    check({"list", "show", "join", "feedback", "next", "remind", "ics"} <= commands, usage)
    options = options_in(usage)
    for cmd in commands:
        options |= options_in(help_text(CLIENT_BIN, "--help", cmd))
    check({"--api", "--session", "--format", "--days", "--next"} <= options, options)
    eq(missing_from(page, commands), [], "commands")
    eq(missing_from(page, options), [], "options")
    eq(missing_from(page, variables_read_by("tui", "net", "widgets", "themes")), [],
       "environment variables")


@test
def dheya_meet_page_has_every_config_key_theme_and_slot():
    page = rendered(MEET_PAGE)
    s = Scratch()
    cfg = s.file("config")
    with open(cfg, "w") as f:
        f.write("no_such_key = 1\n")
    os.chmod(cfg, 0o600)
    r = subprocess.run([CLIENT_BIN, "--config", cfg, "list"], capture_output=True, text=True,
                       env=dict(os.environ, DHEYA_TOKEN="t"), timeout=10)
    known = re.search(r"\(known: ([a-z_, ]+)\)", r.stderr)
    check(known, r.stderr)
    keys = [k.strip() for k in known.group(1).split(",")]
    check("remind_minutes" in keys, keys)
    eq(missing_from(page, keys), [], "config keys")
    themes = [f[:-len(".theme")] for f in os.listdir(os.path.join(ROOT, "themes"))
              if f.endswith(".theme")]
    eq(missing_from(page, themes), [], "built-in themes")
    with open(os.path.join(ROOT, "themes", "default.theme"), encoding="utf-8") as f:
        slots = re.findall(r"(?m)^color ([a-z-]+)", f.read())
    check(len(slots) > 20, slots)
    eq(missing_from(page, slots), [], "theme slots")


@test
def dheya_server_page_has_every_command_option_and_variable():
    page = rendered(SERVER_PAGE)
    usage = help_text(SERVER_BIN, "--help")
    options = (options_in(usage) | options_in(help_text(SERVER_BIN, "user", "add", "--help"))
               | options_in(help_text(SERVER_BIN, "package", "add", "--help")))
    check({"--db", "--listen", "--demo", "--email", "--role"} <= options, options)
    eq(missing_from(page, options), [], "options")
    check("user add" in page and "package add" in page)
    env_in_help = set(re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", usage))
    check("MEETING_PROVIDER" in env_in_help, usage)
    eq(missing_from(page, env_in_help | variables_read_by("server")), [],
       "environment variables")


def make_install(*args):
    """make install with args, the programs installed as they are built already (-o all
    builds nothing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    build = os.environ.get("BUILD", "build")
    r = subprocess.run(["make", "-s", "-o", "all", "install", f"BUILD={build}", *args],
                       cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    eq(r.returncode, 0, r.stdout + r.stderr)


@test
def make_install_puts_the_pages_where_man_finds_them():
    s = Scratch()
    dest = s.file("root")
    make_install("PREFIX=/usr", f"DESTDIR={dest}")
    mandir = os.path.join(dest, "usr", "share", "man")
    for page, section in ((MEET_PAGE, "man1"), (SERVER_PAGE, "man8")):
        installed = os.path.join(mandir, section, os.path.basename(page))
        with open(installed, "rb") as a, open(page, "rb") as b:
            check(a.read() == b.read(), f"{installed} is the page")
        eq(stat.S_IMODE(os.stat(installed).st_mode), 0o644, installed)
    for name, section in (("dheya-meet", "1"), ("dheya-server", "8")):
        w = subprocess.run(["man", "-M", mandir, "-w", name], capture_output=True, text=True)
        eq(w.stdout.strip(), os.path.join(mandir, "man" + section, f"{name}.{section}"),
           w.stderr)


UNIT = "dheya-meet-remind.service"


def unit_settings(path):
    """{(section, key): [values]} of a unit file."""
    out, section = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _, value = line.partition("=")
            out.setdefault((section, key), []).append(value)
    return out


@test
def make_install_puts_the_remind_unit_in_the_graphical_session():
    s = Scratch()
    dest = s.file("root")
    make_install("PREFIX=/usr", f"DESTDIR={dest}")
    unit = os.path.join(dest, "usr", "lib", "systemd", "user", UNIT)
    eq(stat.S_IMODE(os.stat(unit).st_mode), 0o644, unit)
    with open(unit, encoding="utf-8") as f:
        text = f.read()
    eq(re.findall(r"@\w+@", text), [], "every placeholder substituted")
    u = unit_settings(unit)
    eq(u[("Service", "ExecStart")], ["/usr/bin/dheya-meet remind"], "the installed program")
    # Started by the desktop's graphical-session.target, once it has given the user manager
    # DISPLAY or WAYLAND_DISPLAY, stopped with it, never for an SSH login (default.target).
    eq(u[("Install", "WantedBy")], ["graphical-session.target"])
    eq(u[("Unit", "PartOf")], ["graphical-session.target"])
    check("graphical-session.target" in u[("Unit", "After")][0].split(), u[("Unit", "After")])


@test
def systemd_analyze_accepts_the_installed_unit():
    if shutil.which("systemd-analyze") is None:
        print("# skipped: no systemd-analyze here", flush=True)
        return
    s = Scratch()
    prefix = s.file("usr")
    # No DESTDIR: ExecStart names a program that exists, which verify checks.
    make_install(f"PREFIX={prefix}")
    unit = os.path.join(prefix, "lib", "systemd", "user", UNIT)
    eq(unit_settings(unit)[("Service", "ExecStart")], [f"{prefix}/bin/dheya-meet remind"])
    runtime = s.file("runtime")
    os.makedirs(runtime, mode=0o700)
    # A user manager of its own (no running one needed); MANPATH so that the unit's
    # Documentation= is checked against the installed page.
    env = {"PATH": "/usr/bin:/bin", "HOME": s.path, "XDG_RUNTIME_DIR": runtime,
           "MANPATH": os.path.join(prefix, "share", "man"), "LANG": "C.UTF-8"}
    r = subprocess.run(["systemd-analyze", "--user", "verify", unit], capture_output=True,
                       text=True, env=env, timeout=60)
    eq((r.returncode, r.stdout + r.stderr), (0, ""), "systemd-analyze --user verify")


@test
def readme_hardening_table_names_tests_that_exist():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    section = readme.split("## Hardening", 1)
    check(len(section) == 2, "the README has a Hardening section")
    # | # | item | tests | run by |: the tests cell names files and the tests in them.
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in section[1].split("\n## ", 1)[0].splitlines()
            if re.match(r"^\| *\d+ *\|", line)]
    check(all(len(r) == 4 for r in rows), [r for r in rows if len(r) != 4])
    eq(sorted(int(r[0]) for r in rows), list(range(1, 26)), "one row per HARDENING test")
    named = 0
    for number, _, tests, command in rows:
        check(tests.strip(), f"item {number} says what covers it, or TODO")
        check(re.search(r"make (check|fuzz|bench)|TODO", command), f"item {number}: {command}")
        current = None
        for token in re.findall(r"`([^`]+)`", tests):
            if "/" in token:
                current = os.path.join(ROOT, token)
                check(os.path.isfile(current), f"item {number}: {token} does not exist")
                with open(current, encoding="utf-8") as f:
                    source = f.read()
                continue
            check(current, f"item {number}: {token} follows no file")
            check(re.search(r"(?m)^(def |static void |int |static int )" + re.escape(token)
                            + r"\(", source), f"item {number}: no {token} in {current}")
            named += 1
    check(named >= 40, f"only {named} tests named")


run()
