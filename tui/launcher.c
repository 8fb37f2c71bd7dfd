#include "tui/launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>


/* Characters a URL may carry here: RFC 3986's, less those a shell would act on. '&' stays:
 * query strings need it and no shell ever sees the URL. */
static bool url_char_ok(unsigned char c)
{
    return g_ascii_isalnum(c) || (c != 0 && strchr("-._~:/?#[]@!*+,=%&", c) != NULL);
}

char *launcher_check_url(const char *url, char *err, size_t errlen)
{
    size_t n = strlen(url);
    if (n == 0 || n > LAUNCHER_MAX_URL) {
        snprintf(err, errlen, "the meeting URL is empty or longer than %d bytes",
                 LAUNCHER_MAX_URL);
        return NULL;
    }
    if (url[0] == '-') {
        snprintf(err, errlen, "the meeting URL starts with '-' (a browser would take it for "
                 "an option)");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!url_char_ok((unsigned char)url[i])) {
            snprintf(err, errlen, "the meeting URL contains a character that is not allowed "
                     "(byte 0x%02x at %zu)", (unsigned char)url[i], i);
            return NULL;
        }
    }
    /* Only https: the platform's own address may be plain http to loopback (a local
     * platform), but a meeting URL comes from the server, and a browser sent to
     * http://127.0.0.1:631/admin/... would act on a local service with the user's rights. */
    GUri *u = g_uri_parse(url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
    if (u && g_ascii_strcasecmp(g_uri_get_scheme(u), "https") != 0) {
        snprintf(err, errlen, "the meeting URL is refused: only https meeting URLs are opened");
        g_uri_unref(u);
        return NULL;
    }
    if (u == NULL || g_uri_get_host(u) == NULL || *g_uri_get_host(u) == '\0' ||
        g_uri_get_userinfo(u) != NULL) {
        snprintf(err, errlen, "the meeting URL does not parse as https://HOST/...");
        if (u)
            g_uri_unref(u);
        return NULL;
    }
    char *out = g_uri_to_string(u);
    g_uri_unref(u);
    /* GLib decodes the host even with G_URI_FLAGS_ENCODED: "https://a%20b%11/" comes back
     * as "https://a b\x11/", so the form a browser would get is checked again. */
    for (const char *p = out; *p; p++) {
        if (!url_char_ok((unsigned char)*p)) {
            snprintf(err, errlen, "the meeting URL's host holds an encoded character that is "
                     "not allowed (byte 0x%02x)", (unsigned char)*p);
            g_free(out);
            return NULL;
        }
    }
    return out;
}

char *launcher_jitsi_url(const char *url, const char *display_name)
{
    if (display_name == NULL || *display_name == '\0' || strchr(url, '#'))
        return g_strdup(url);
    /* JSON-quote the name: escape '"' and '\' and control characters. */
    GString *q = g_string_new("\"");
    for (const unsigned char *p = (const unsigned char *)display_name; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(q, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf(q, "\\u%04x", *p);
        else
            g_string_append_c(q, (char)*p);
    }
    g_string_append_c(q, '"');
    char *enc = g_uri_escape_string(q->str, NULL, FALSE);
    char *out = g_strdup_printf("%s#userInfo.displayName=%s", url, enc);
    g_free(enc);
    g_string_free(q, TRUE);
    return out;
}

static bool in_path(const char *prog)
{
    char *p = g_find_program_in_path(prog);
    bool found = p != NULL;
    g_free(p);
    return found;
}

struct launch {
    int fd;       /* the watcher writes the browser's wait status here, then exits */
    char *name;   /* the browser command's base name, for the message */
};

/* The watcher, in the child of fork (so only calls that are safe there): starts the browser
 * in a session of its own with stdio on /dev/null and none of our descriptors (our
 * sockets and terminal stay ours), writes the exec's errno to exec_w if it fails, waits
 * for it and writes its wait status to status_w. Both ends are close-on-exec. */
static _Noreturn void watch_browser(char **argv, int exec_w, int status_w)
{
    /* Our handlers write to the loop's self-pipe: not for this process's signals. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2)
            close(null);
    }
    int lo = exec_w < status_w ? exec_w : status_w, hi = exec_w < status_w ? status_w : exec_w;
    if (lo > 3)
        close_range(3, (unsigned)lo - 1, 0);
    if (hi > lo + 1)
        close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
    close_range((unsigned)hi + 1, ~0U, 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(status_w);
        execvp(argv[0], argv);
    }
    if (pid <= 0) { /* the exec (in the browser's process) or the fork failed */
        int e = errno;
        ssize_t w = write(exec_w, &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(exec_w);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            _exit(1);
    ssize_t w = write(status_w, &st, sizeof st);
    (void)w;
    _exit(0);
}

/* Starts argv through a watcher process (see watch_browser). The watcher is our child and
 * is reaped with the others (the loop's SIGCHLD); the browser is the watcher's, so neither
 * is left a zombie, and we learn how the browser ended. Unless status_fd is NULL, it
 * receives the read end of the status pipe, non-blocking. Returns 0 or the errno of the
 * failed exec. */
static int spawn_watched(char **argv, int *status_fd)
{
    int exec_pipe[2], status_pipe[2];
    if (pipe2(exec_pipe, O_CLOEXEC) != 0)
        return errno;
    if (pipe2(status_pipe, O_CLOEXEC) != 0) {
        int e = errno;
        close(exec_pipe[0]);
        close(exec_pipe[1]);
        return e;
    }
    pid_t pid = fork();
    if (pid == 0)
        watch_browser(argv, exec_pipe[1], status_pipe[1]);
    int e = pid < 0 ? errno : 0;
    close(exec_pipe[1]);
    close(status_pipe[1]);
    ssize_t got = 0;
    if (pid > 0)
        while ((got = read(exec_pipe[0], &e, sizeof e)) < 0 && errno == EINTR)
            ;
    close(exec_pipe[0]);
    if (pid < 0 || got == (ssize_t)sizeof e || status_fd == NULL) {
        close(status_pipe[0]);
        return pid < 0 || got == (ssize_t)sizeof e ? e : 0;
    }
    fcntl(status_pipe[0], F_SETFL, O_NONBLOCK);
    *status_fd = status_pipe[0];
    return 0;
}

bool launcher_ended(struct launch *l, bool *failed, char *how, size_t howlen)
{
    int st;
    ssize_t got;
    while ((got = read(l->fd, &st, sizeof st)) < 0 && errno == EINTR)
        ;
    if (got < 0 && errno == EAGAIN)
        return false;
    /* Without a status (the watcher itself was killed) nothing is known: no failure said. */
    bool known = got == (ssize_t)sizeof st;
    *failed = known && (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0));
    if (!*failed)
        snprintf(how, howlen, "%s", "");
    else if (WIFEXITED(st))
        snprintf(how, howlen, "%s exited with status %d", l->name, WEXITSTATUS(st));
    else
        snprintf(how, howlen, "%s was ended by signal %d", l->name, WTERMSIG(st));
    return true;
}

void launcher_forget(struct launch *l)
{
    if (l == NULL)
        return;
    close(l->fd);
    g_free(l->name);
    g_free(l);
}

/* Splits a browser command (shell-style quoting, but no shell), putting url where "%s" is,
 * or at the end. */
static char **browser_argv(const char *cmd, const char *url)
{
    char **argv = NULL;
    int argc = 0;
    if (!g_shell_parse_argv(cmd, &argc, &argv, NULL))
        return NULL;
    bool placed = false;
    for (int i = 0; i < argc; i++) {
        char *at = strstr(argv[i], "%s");
        if (at == NULL)
            continue;
        char *joined = g_strdup_printf("%.*s%s%s", (int)(at - argv[i]), argv[i], url, at + 2);
        g_free(argv[i]);
        argv[i] = joined;
        placed = true;
    }
    if (!placed) {
        argv = g_renew(char *, argv, argc + 2);
        argv[argc] = g_strdup(url);
        argv[argc + 1] = NULL;
    }
    return argv;
}

bool launcher_over_ssh(void)
{
    static const char *const vars[] = {"SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return true;
    }
    return false;
}

static bool no_display(void)
{
    if (launcher_over_ssh())
        return true;
#ifdef __APPLE__
    return false;
#else
    if (getenv("WSL_DISTRO_NAME"))
        return false;
    const char *d = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return !(d && *d) && !(w && *w);
#endif
}

enum launch_outcome launcher_open(const char *url, const char *browser, char *what,
                                  size_t whatlen, struct launch **watch)
{
    if (watch)
        *watch = NULL;
    static const char *const openers[] = {"xdg-open", "x-www-browser", "www-browser",
                                          "wslview", "open"};
    const char *env = getenv("BROWSER");
    GPtrArray *candidates = g_ptr_array_new_with_free_func(g_free);
    if (browser && *browser) {
        g_ptr_array_add(candidates, g_strdup(browser));
    } else if (env && *env) {
        char **parts = g_strsplit(env, ":", -1);
        for (int i = 0; parts[i]; i++)
            if (*g_strstrip(parts[i]))
                g_ptr_array_add(candidates, g_strdup(parts[i]));
        g_strfreev(parts);
    } else {
        if (no_display()) {
            snprintf(what, whatlen, "over SSH or without a display, and no browser configured "
                     "(set browser in the config file, or $BROWSER)");
            g_ptr_array_free(candidates, TRUE);
            return LAUNCH_NO_DISPLAY;
        }
        for (size_t i = 0; i < sizeof openers / sizeof *openers; i++)
            if (in_path(openers[i]))
                g_ptr_array_add(candidates, g_strdup(openers[i]));
    }
    enum launch_outcome out = LAUNCH_FAILED;
    GString *tried = g_string_new(NULL);
    for (guint i = 0; i < candidates->len && out != LAUNCH_STARTED; i++) {
        const char *cmd = g_ptr_array_index(candidates, i);
        char **argv = browser_argv(cmd, url);
        int fd = -1;
        int e = argv ? spawn_watched(argv, watch ? &fd : NULL) : EINVAL;
        if (e == 0) {
            snprintf(what, whatlen, "%s", argv[0]);
            out = LAUNCH_STARTED;
            if (watch) {
                *watch = g_new(struct launch, 1);
                (*watch)->fd = fd;
                (*watch)->name = g_path_get_basename(argv[0]);
            }
        } else {
            g_string_append_printf(tried, "%s%s (%s)", tried->len ? ", " : "", cmd,
                                   argv ? strerror(e) : "cannot parse the command");
        }
        g_strfreev(argv);
    }
    if (out == LAUNCH_FAILED)
        snprintf(what, whatlen, "no browser could be started%s%s", tried->len ? "; tried " :
                 " (none of xdg-open, x-www-browser, www-browser, wslview, open is installed)",
                 tried->str);
    g_string_free(tried, TRUE);
    g_ptr_array_free(candidates, TRUE);
    return out;
}
