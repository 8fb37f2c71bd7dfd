/* dheya-meet: the mentor's terminal client. This file is the command line. */
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "tui/app.h"
#include "tui/cmd_ics.h"
#include "tui/cmd_next.h"
#include "tui/cmd_remind.h"
#include "tui/commands.h"
#include "tui/config.h"
#include "themes/theme.h"
#include "tui/paths.h"
#include "tui/sanitize.h"

#define MAX_COMMENT 2000
#define MAX_STDIN_COMMENT (64 * 1024)

static const char usage[] =
    "usage: dheya-meet [options]                 the sessions screen (interactive)\n"
    "       dheya-meet [options] --session ID    straight into one session's meeting room\n"
    "       dheya-meet list [--json]             your sessions from today on\n"
    "       dheya-meet show ID [--json]          one session's meeting details\n"
    "       dheya-meet join ID                   open the meeting in the browser (and print it)\n"
    "       dheya-meet complete ID               mark the session completed\n"
    "       dheya-meet feedback ID --rating N [--comment TEXT]\n"
    "                                            rate the session 1-5 (--comment - reads stdin)\n"
    "       dheya-meet sync                      send queued submissions now\n"
    "       dheya-meet next [--format plain|json|waybar|tmux] [--max-age S]\n"
    "                                            the current or next session, one line\n"
    "       dheya-meet join --next               join the session in progress or starting soon\n"
    "       dheya-meet remind                    reminders and the outbox, no screen (for a\n"
    "                                            systemd user service)\n"
    "       dheya-meet ics [--days N]            the sessions as an iCalendar file\n"
    "\n"
    "options:\n"
    "  --api URL        the platform's address (else DHEYA_API_URL, else api_url in the config)\n"
    "  --config FILE    the config file (default $XDG_CONFIG_HOME/dheya-meet/config)\n"
    "  --theme NAME     default, light, high-contrast or mono (else DHEYA_THEME)\n"
    "  --no-notify      no desktop notifications\n"
    "  --insecure       do not check the platform's TLS certificate (dangerous)\n"
    "  --help, --version\n"
    "\n"
    "The token comes from DHEYA_TOKEN, else token or token_file in the config file, never\n"
    "from the command line. A complete or feedback that cannot reach the platform is queued\n"
    "and sent by 'sync' or the next run.\n"
    "\n"
    "exit status: 0 done (or queued), 1 failed, 2 bad usage, 4 token missing or rejected\n";

static const struct {
    const char *name, *args, *help;
} commands[] = {
    {"list", "[--json]", "Lists your sessions from 12 hours ago on, soonest first, with local "
     "times and countdowns.\n--json prints them as JSON (non-ASCII escaped)."},
    {"show", "ID [--json]", "Shows one session's meeting details: mentee, mentor, package, "
     "time, status,\nmeeting URL, notes, participants and your feedback."},
    {"join", "ID | --next", "Prints the meeting URL and opens it: the config's browser, else "
     "$BROWSER (a colon-\nseparated list), else xdg-open, x-www-browser, www-browser, wslview "
     "or open. Over\nSSH or without a display, and no browser configured, it only prints the "
     "URL.\n--next joins the session in progress, or the next one starting within 15 minutes; "
     "\notherwise it says when the next one is (exit status 1)."},
    {"complete", "ID", "Marks the session COMPLETED. If the platform cannot be reached it is "
     "queued."},
    {"feedback", "ID --rating N [--comment TEXT]", "Rates the session 1 to 5 with an optional "
     "comment of at most 2000 characters\n(--comment - reads it from stdin). Sent once: a "
     "retry reuses its idempotency key.\nIf the platform cannot be reached it is queued."},
    {"sync", "", "Sends the queued submissions now and says what is left."},
    {"next", "[--format plain|json|waybar|tmux] [--max-age SECONDS]", "Prints the session in "
     "progress or the next one, in one line for a status bar:\n\"Meera Nair \u00b7 in 12 min\", "
     "\"\u2026 \u00b7 23 min left\", \"\u2026 \u00b7 4 min over\"; nothing when none starts "
     "within 24 hours.\njson: the session and its state; waybar: text, tooltip and class "
     "(upcoming, soon,\nnow, over; stale added offline); tmux: styled from the theme, every # "
     "doubled.\nAnswers are cached for --max-age seconds (30); offline the cached sessions give "
     "the\nline, marked stale."},
    {"remind", "", "Runs in the foreground without a screen: checks the sessions every minute, "
     "sends\nthe reminders (remind_minutes before each session, with a Join action), 5 minutes "
     "left\nand time is up for a session joined, and sends the outbox. Stops on SIGTERM.\n"
     "`make install` installs the systemd user unit dheya-meet-remind.service."},
    {"ics", "[--days N]", "Prints the sessions from 12 hours ago to N days ahead (30) as an "
     "iCalendar file,\nwith an alarm per remind_minutes mark: dheya-meet ics > sessions.ics"},
};

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dheya-meet: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'dheya-meet --help'.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

static int command_help(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            printf("usage: dheya-meet %s %s\n\n%s\n\nCommon options: --api URL, --config FILE, "
                   "--insecure.\n", name, commands[i].args, commands[i].help);
            return EXIT_OK;
        }
    }
    return bad_usage("unknown command '%s'", name);
}

/* "1".."5" only. */
static bool parse_rating(const char *s, int *out)
{
    if (s == NULL || s[0] < '1' || s[0] > '5' || s[1] != '\0')
        return false;
    *out = s[0] - '0';
    return true;
}

/* Reads the comment from stdin for --comment -. */
static char *read_stdin_comment(void)
{
    GString *s = g_string_new(NULL);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0 && s->len <= MAX_STDIN_COMMENT)
        g_string_append_len(s, buf, (gssize)n);
    while (s->len && (s->str[s->len - 1] == '\n' || s->str[s->len - 1] == '\r'))
        g_string_truncate(s, s->len - 1);
    return g_string_free(s, FALSE);
}

/* The theme of the config (or --theme), from the user's theme directory or built in;
 * NO_COLOR and CLICOLOR=0 make it mono. Says why on failure. */
static bool choose_theme(const struct config *cfg)
{
    char err[600];
    char *themes = paths_themes_dir();
    bool ok = theme_select(cfg->theme, themes, cmd_colors_off(), err, sizeof err);
    g_free(themes);
    if (!ok)
        fprintf(stderr, "dheya-meet: theme: %s\n", err);
    return ok;
}

/* The locale, SIGPIPE and the settings, as every path needs them. Returns EXIT_OK, or the
 * exit status with the reason printed (cfg then needs no clearing). */
static int load_settings(const struct config_overrides *ov, struct config *cfg)
{
    sanitize_init_locale();
    signal(SIGPIPE, SIG_IGN);
    char err[600];
    enum config_status cs = config_load(ov, cfg, err, sizeof err);
    if (cs == CONFIG_OK)
        return EXIT_OK;
    fprintf(stderr, "dheya-meet: %s\n", err);
    config_clear(cfg);
    return cs == CONFIG_BAD_TOKEN ? EXIT_TOKEN : EXIT_FAIL;
}

/* A whole number from min to max. */
static bool parse_number(const char *s, int min, int max, int *out)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    if (s == NULL || *s == '\0' || *end != '\0' || v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

/* GLib's and libnotify's warnings ("Failed to connect to proxy") would be written over the
 * screens; the status line already says when notifications are unavailable. */
static GLogWriterOutput quiet_log(GLogLevelFlags level, const GLogField *fields, gsize n,
                                  gpointer ud)
{
    return G_LOG_WRITER_HANDLED;
}

/* The screens: sessions, or straight into a room with --session ID. */
static int interactive(const struct config_overrides *ov, const char *session_id)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fputs("dheya-meet: the interactive screens need a terminal; in a script use a "
              "command (dheya-meet --help lists them)\n", stderr);
        return EXIT_USAGE;
    }
    if (session_id && *session_id == '\0')
        return bad_usage("--session needs a session ID");
    g_log_set_writer_func(quiet_log, NULL, NULL);
    struct config cfg;
    int loaded = load_settings(ov, &cfg);
    if (loaded != EXIT_OK)
        return loaded;
    if (!choose_theme(&cfg)) {
        config_clear(&cfg);
        return EXIT_FAIL;
    }
    struct cmd_context ctx = {0};
    int st = cmd_open(&ctx, &cfg);
    if (st == EXIT_OK)
        st = app_run(&cfg, ctx.engine, ctx.api, session_id);
    cmd_close(&ctx);
    config_clear(&cfg);
    return st;
}

int main(int argc, char **argv)
{
    enum { OPT_API = 256, OPT_THEME, OPT_NO_NOTIFY, OPT_CONFIG, OPT_INSECURE, OPT_JSON,
           OPT_RATING, OPT_COMMENT, OPT_HELP, OPT_VERSION, OPT_SESSION, OPT_FORMAT,
           OPT_MAX_AGE, OPT_DAYS, OPT_NEXT };
    static const struct option opts[] = {
        {"api", required_argument, NULL, OPT_API},
        {"theme", required_argument, NULL, OPT_THEME},
        {"no-notify", no_argument, NULL, OPT_NO_NOTIFY},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"json", no_argument, NULL, OPT_JSON},
        {"rating", required_argument, NULL, OPT_RATING},
        {"comment", required_argument, NULL, OPT_COMMENT},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {"session", required_argument, NULL, OPT_SESSION},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"max-age", required_argument, NULL, OPT_MAX_AGE},
        {"days", required_argument, NULL, OPT_DAYS},
        {"next", no_argument, NULL, OPT_NEXT},
        {NULL, 0, NULL, 0},
    };
    struct config_overrides ov = {0};
    bool json = false, help = false, join_next = false;
    const char *rating_arg = NULL, *comment_arg = NULL, *session_arg = NULL;
    const char *format_arg = NULL, *max_age_arg = NULL, *days_arg = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case OPT_API: ov.api_url = optarg; break;
        case OPT_THEME: ov.theme = optarg; break;
        case OPT_NO_NOTIFY: ov.no_notify = true; break;
        case OPT_CONFIG: ov.config_path = optarg; break;
        case OPT_INSECURE: ov.insecure = true; break;
        case OPT_JSON: json = true; break;
        case OPT_RATING: rating_arg = optarg; break;
        case OPT_COMMENT: comment_arg = optarg; break;
        case OPT_SESSION: session_arg = optarg; break;
        case OPT_FORMAT: format_arg = optarg; break;
        case OPT_MAX_AGE: max_age_arg = optarg; break;
        case OPT_DAYS: days_arg = optarg; break;
        case OPT_NEXT: join_next = true; break;
        case OPT_HELP: help = true; break;
        case OPT_VERSION: puts("dheya-meet " DHEYA_VERSION); return EXIT_OK;
        case ':': return bad_usage("%s needs a value", argv[optind - 1]);
        default: return bad_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    const char *cmd = optind < argc ? argv[optind] : NULL;
    const char *id = optind + 1 < argc ? argv[optind + 1] : NULL;
    int positional = argc - optind;

    if (help)
        return cmd ? command_help(cmd) : (fputs(usage, stdout), EXIT_OK);
    if (cmd == NULL)
        return interactive(&ov, session_arg);
    if (session_arg)
        return bad_usage("--session is for the interactive screens; for a command, give the "
                         "ID after it");
    bool is_join = strcmp(cmd, "join") == 0;
    bool needs_id = strcmp(cmd, "show") == 0 || (is_join && !join_next) ||
                    strcmp(cmd, "complete") == 0 || strcmp(cmd, "feedback") == 0;
    bool known = needs_id || is_join || strcmp(cmd, "list") == 0 || strcmp(cmd, "sync") == 0 ||
                 strcmp(cmd, "next") == 0 || strcmp(cmd, "remind") == 0 ||
                 strcmp(cmd, "ics") == 0;
    if (!known)
        return bad_usage("unknown command '%s'", cmd);
    if (needs_id && id == NULL)
        return bad_usage("%s needs a session ID%s", cmd, is_join ? " (or --next)" : "");
    if (join_next && !is_join)
        return bad_usage("--next is for join");
    if ((format_arg || max_age_arg) && strcmp(cmd, "next") != 0)
        return bad_usage("--format and --max-age are for next");
    if (days_arg && strcmp(cmd, "ics") != 0)
        return bad_usage("--days is for ics");
    enum next_format format = NEXT_PLAIN;
    if (format_arg && !next_parse_format(format_arg, &format))
        return bad_usage("--format is plain, json, waybar or tmux");
    int max_age = NEXT_MAX_AGE_DEFAULT, days = ICS_DAYS_DEFAULT;
    if (max_age_arg && !parse_number(max_age_arg, 0, 24 * 3600, &max_age))
        return bad_usage("--max-age is a number of seconds from 0 to 86400");
    if (days_arg && !parse_number(days_arg, 1, 3660, &days))
        return bad_usage("--days is a number of days from 1 to 3660");
    if (positional > (needs_id ? 2 : 1))
        return bad_usage("%s: unexpected argument '%s'", cmd, argv[optind + (needs_id ? 2 : 1)]);
    if (json && strcmp(cmd, "list") != 0 && strcmp(cmd, "show") != 0)
        return bad_usage("--json is for list and show");
    if ((rating_arg || comment_arg) && strcmp(cmd, "feedback") != 0)
        return bad_usage("--rating and --comment are for feedback");

    int rating = 0;
    char *comment = NULL;
    if (strcmp(cmd, "feedback") == 0) {
        if (!parse_rating(rating_arg, &rating))
            return bad_usage("feedback needs --rating N, a whole number from 1 to 5");
        comment = comment_arg && strcmp(comment_arg, "-") == 0 ? read_stdin_comment()
                                                               : g_strdup(comment_arg);
        if (comment && !g_utf8_validate(comment, -1, NULL)) {
            g_free(comment);
            return bad_usage("--comment is not valid UTF-8 text");
        }
        long chars = comment ? g_utf8_strlen(comment, -1) : 0;
        if (chars > MAX_COMMENT) {
            g_free(comment);
            return bad_usage("--comment has %ld characters; at most %d are allowed", chars,
                             MAX_COMMENT);
        }
    }

    struct config cfg;
    int loaded = load_settings(&ov, &cfg);
    if (loaded != EXIT_OK) {
        g_free(comment);
        return loaded;
    }
    if (strcmp(cmd, "next") == 0) {
        /* Its own engine, no outbox: a status bar calls it every few seconds. */
        int st = format == NEXT_TMUX && !choose_theme(&cfg) ? EXIT_FAIL
                                                           : cmd_next(&cfg, format, max_age);
        config_clear(&cfg);
        return st;
    }
    struct cmd_context ctx = {.json = json};
    int st = cmd_open(&ctx, &cfg);
    if (st == EXIT_OK) {
        if (strcmp(cmd, "list") == 0)
            st = cmd_list(&ctx);
        else if (strcmp(cmd, "show") == 0)
            st = cmd_show(&ctx, id);
        else if (is_join)
            st = join_next ? cmd_join_next(&ctx) : cmd_join(&ctx, id);
        else if (strcmp(cmd, "remind") == 0)
            st = cmd_remind(&ctx);
        else if (strcmp(cmd, "ics") == 0)
            st = cmd_ics(&ctx, days);
        else if (strcmp(cmd, "complete") == 0)
            st = cmd_complete(&ctx, id);
        else if (strcmp(cmd, "feedback") == 0)
            st = cmd_feedback(&ctx, id, rating, comment);
        else
            st = cmd_sync(&ctx);
    }
    cmd_close(&ctx);
    config_clear(&cfg);
    g_free(comment);
    return st;
}
