#include "tui/crash.h"

#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define N_FATAL (sizeof fatal / sizeof *fatal)

/* Everything the handler needs, prepared beforehand: it may not allocate or call curses. */
static char restore[256];
static size_t restore_len;
static struct termios saved_tty;
static int have_tty;
static struct sigaction old[N_FATAL];

static void append(const char *cap)
{
    char *s = tigetstr((char *)cap);
    if (s == NULL || s == (char *)-1)
        return;
    size_t n = strlen(s);
    if (restore_len + n < sizeof restore) {
        memcpy(restore + restore_len, s, n);
        restore_len += n;
    }
}

static void on_fatal(int sig)
{
    if (restore_len && write(STDOUT_FILENO, restore, restore_len) < 0) {
        /* Nothing more can be done for the terminal. */
    }
    if (have_tty)
        tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

void crash_install(void)
{
    /* def_prog_mode saved by curses is the program's; shell_mode is the one to go back to. */
    bool keys = is_keypad(stdscr);
    reset_shell_mode();
    have_tty = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    reset_prog_mode();
    /* reset_shell_mode sent rmkx and reset_prog_mode does not send smkx again: until the
     * first key was read, an arrow came as ESC [ B, and the first Down in the room was Esc. */
    if (keys)
        keypad(stdscr, TRUE);
    restore_len = 0;
    append("sgr0");
    append("cnorm");
    append("rmkx");
    append("rmcup");
    const char nl[] = "\r\n";
    if (restore_len + 2 < sizeof restore) {
        memcpy(restore + restore_len, nl, 2);
        restore_len += 2;
    }
    struct sigaction sa = {.sa_handler = on_fatal};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < N_FATAL; i++)
        sigaction(fatal[i], &sa, &old[i]);
}

void crash_uninstall(void)
{
    for (size_t i = 0; i < N_FATAL; i++)
        sigaction(fatal[i], &old[i], NULL);
}
