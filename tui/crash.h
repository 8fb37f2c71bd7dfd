/* The terminal given back even when the program dies of a fatal signal (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT): the tty modes saved before curses started and the terminal's own
 * "leave full-screen mode" sequences are restored with async-signal-safe calls, then the
 * signal kills the program as it would have (so a core dump still happens). */
#ifndef TUI_CRASH_H
#define TUI_CRASH_H

/* Call after initscr() (terminfo is loaded) with the tty modes from before it. */
void crash_install(void);
/* Removes the handlers (before endwin on a normal exit). */
void crash_uninstall(void);

#endif
