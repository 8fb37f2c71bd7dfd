/* The interactive application: the terminal, the stack of screens, the title line, the
 * status line, the function-key bar, the overlays (a dialog or the help), and the shared
 * things screens need (the API, the settings, the outbox flush). Runs on tui/loop. */
#ifndef TUI_APP_H
#define TUI_APP_H

#include <stdarg.h>
#include <stdbool.h>
#include <time.h>

#include "net/api.h"
#include "tui/config.h"
#include "tui/screen.h"
#include "widgets/dialog.h"

#define APP_MIN_COLS 60
#define APP_MIN_LINES 16

enum app_status_kind { APP_INFO, APP_OK, APP_ERROR, APP_PROGRESS };

struct app;

/* The screen to open first: the sessions list, or a room when session_id is not NULL.
 * Returns the process exit status. The terminal is restored on every way out. */
int app_run(const struct config *cfg, struct http_engine *engine, struct api *api,
            const char *session_id);

const struct config *app_config(const struct app *a);
struct api *app_api(struct app *a);

/* Puts s on top (the app owns it from now on) / closes the top screen (the last one closing
 * quits). */
void app_push(struct app *a, struct screen *s);
void app_pop(struct app *a);
/* Quits now, without asking. */
void app_quit(struct app *a);

/* The status line: one message with its kind; INFO and OK fade after a few seconds. */
void app_status(struct app *a, enum app_status_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True while the status line shows a fresh message (not progress) that a background
 * report should not cover yet. */
bool app_status_busy(const struct app *a);

/* Clears the status line if it shows progress (the work is done, nothing to say). */
void app_status_done(struct app *a);

/* Opens a modal dialog over the top screen (the app owns it); the screen's on_dialog gets
 * the answer. */
void app_dialog(struct app *a, struct dialog *d);
/* Shows the top screen's keys in the help overlay. */
void app_help(struct app *a);

/* Makes the loop wake by ms (loop_now_ms time) to call the top screen's on_wake. */
void app_wake_at(struct app *a, long long ms);

/* Everything is drawn again (after a layout change inside a screen). */
void app_redraw(struct app *a);

/* Starts an API call for owner (a screen). done runs from the loop with the result, which
 * it owns (api_result_free), unless app_forget(owner) was called first: a screen forgets
 * its calls when it closes, so no answer reaches a freed screen. */
typedef void (*app_call_fn)(void *owner, struct api_result *res);
bool app_call(struct app *a, const struct api_call *call, app_call_fn done, void *owner);
void app_forget(struct app *a, void *owner);

/* The platform as screen s last saw it: cannot be reached, tried again at retry_at, or it
 * answers. The title line shows the top screen's ("offline, retrying in 8 s"), and, while
 * an answer is slow to come, how long it has been awaited. */
void app_offline(struct app *a, const struct screen *s, time_t retry_at);
void app_online(struct app *a, const struct screen *s);

/* Sends what the outbox holds for this identity, in the background; a no-op while one
 * flush runs. */
void app_flush_outbox(struct app *a);

/* Bytes for the terminal outside curses (an OSC 52 clipboard copy), written after the next
 * frame. */
void app_write_raw(struct app *a, const char *bytes);

#endif
