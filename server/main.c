/* dheya-server: the reference implementation of the Dheya platform's meeting API. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/app.h"
#include "server/db.h"
#include "server/demo.h"
#include "server/fetch.h"
#include "server/http.h"
#include "server/meetings.h"
#include "server/provider.h"
#include "server/ratelimit.h"
#include "server/routes.h"

static const char usage[] =
    "usage: dheya-server [--db PATH] [--listen HOST:PORT] [--demo] [options]\n"
    "       dheya-server user add --name NAME --email EMAIL --role mentor|user [--db PATH]\n"
    "       dheya-server package add --name NAME [--db PATH]\n"
    "\n"
    "Serves the Dheya meeting API (DESIGN.md) over HTTP from a SQLite database. Options may\n"
    "come before or after a command; 'dheya-server user add --help' explains that command.\n"
    "\n"
    "  --db PATH            the database file (default dheya.db in the current directory, said\n"
    "                       on stderr; created if missing)\n"
    "  --listen HOST:PORT   where to listen (default 127.0.0.1:8080; port 0 picks a free one)\n"
    "  --demo               fill an empty database with demo data and print the demo tokens\n"
    "  --rate-limit N       requests a minute per user, per webhook sender, and per client\n"
    "                       address for requests without a valid token (default 600; 0 turns\n"
    "                       it off)\n"
    "  --timeout SECONDS    a client has this long to send each request whole (headers and\n"
    "                       body) and again to take its answer; idle connections are closed\n"
    "                       after it (default 10)\n"
    "  --max-connections N  at most N connections (default 512), 64 per client address; past\n"
    "                       either limit the connection waiting longest for its request is\n"
    "                       closed\n"
    "  --quiet              no request log on stderr\n"
    "  --help, --version\n"
    "\n"
    "Environment: MEETING_PROVIDER (jitsi, zoom or google-meet; default jitsi),\n"
    "MEETING_PROVIDER_TIMEOUT (seconds a provider call may take, 1-10, default 10),\n"
    "JITSI_DOMAIN (meet.jit.si), JITSI_ROOM_PREFIX (dheya-session);\n"
    "zoom: ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET (a Server-to-Server OAuth app);\n"
    "google-meet: GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REFRESH_TOKEN;\n"
    "ZOOM_API_URL, ZOOM_OAUTH_URL, GOOGLE_API_URL, GOOGLE_OAUTH_URL replace the providers'\n"
    "addresses (https, or http to this machine, for local stand-ins);\n"
    "WEBHOOK_SECRET (jitsi, google-meet webhooks), ZOOM_WEBHOOK_SECRET.\n";

static const char user_usage[] =
    "usage: dheya-server user add --name NAME --email EMAIL --role mentor|user [--db PATH]\n"
    "\n"
    "Adds a user and prints {\"id\": ..., \"token\": ...} on one line; the token is not shown\n"
    "again. Emails are kept in lower case: A@X.ORG and a@x.org are the same user.\n"
    "\n"
    "  --name NAME          the name the other participant sees\n"
    "  --email EMAIL        LOCAL@DOMAIN in ASCII, unique whatever its case\n"
    "  --role mentor|user   a mentor, or a mentee (user)\n"
    "  --db PATH            the database file (default dheya.db in the current directory)\n";

static const char package_usage[] =
    "usage: dheya-server package add --name NAME [--db PATH]\n"
    "\n"
    "Adds a package and prints {\"id\": ...} on one line.\n"
    "\n"
    "  --name NAME          the package's name\n"
    "  --db PATH            the database file (default dheya.db in the current directory)\n";

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Says what is wrong with the command line; returns the exit status for bad usage. */
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dheya-server: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'dheya-server --help'.\n");
    va_end(ap);
    return 2;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || v > max || s[0] == '-')
        return false;
    *out = (unsigned)v;
    return true;
}

/* The command line, every option of every command: they may come in any order. */
struct cli {
    const char *db;                  /* NULL: the default, announced */
    const char *name, *email, *role; /* user add, package add */
    const char *serve_option;        /* the first option only serving takes, for messages */
    const char *add_option;          /* the first of --name, --email, --role given */
    bool demo, help, version;
    unsigned rate;
    struct http_options http;
};

/* The database file: --db, else dheya.db in the current directory, which is said on stderr
 * so that a forgotten --db does not go unnoticed. */
static const char *database_path(const struct cli *cli)
{
    if (cli->db)
        return cli->db;
    char cwd[4096];
    fprintf(stderr, "dheya-server: no --db given; using %s/dheya.db\n",
            getcwd(cwd, sizeof cwd) ? cwd : ".");
    return "dheya.db";
}

/* Why email is not a usable address, or NULL. A sensible check rather than RFC 5322 in full:
 * LOCAL@DOMAIN in printable ASCII, one '@', a local part of 1 to 64 characters without
 * spaces or the characters that need quoting, a domain of 1 to 63 character labels of
 * letters, digits and '-' (not at either end) separated by single dots. */
static const char *email_problem(const char *email)
{
    const char *at = strchr(email, '@');
    if (at == NULL || strchr(at + 1, '@'))
        return "must hold exactly one '@'";
    if (strlen(email) > 254)
        return "is longer than 254 characters";
    size_t local = (size_t)(at - email);
    if (local == 0 || local > 64)
        return "needs 1 to 64 characters before the '@'";
    for (const char *p = email; p < at; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("\"(),:;<>[\\]", *p))
            return "holds a space, a control character, a non-ASCII character, or one of "
                   "\"(),:;<>[\\] before the '@'";
    const char *label = at + 1;
    for (;;) {
        size_t n = strspn(label, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789-");
        if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
            return "needs a domain of dot-separated names of letters, digits and '-' after "
                   "the '@'";
        if (label[n] == '\0')
            return NULL;
        if (label[n] != '.')
            return "needs a domain of dot-separated names of letters, digits and '-' after "
                   "the '@'";
        label += n + 1;
    }
}

/* `user add` and `package add`: one line of JSON on stdout. */
static int admin_command(const struct cli *cli, bool user)
{
    const char *what = user ? "user add" : "package add";
    if (cli->serve_option)
        return bad_usage("%s: --%s is an option of the server, not of this command", what,
                         cli->serve_option);
    if (cli->name == NULL || *cli->name == '\0')
        return bad_usage("%s: --name is required", what);
    if (!user && (cli->email || cli->role))
        return bad_usage("%s", "package add takes only --name and --db");
    char email[256] = "";
    if (user) {
        if (cli->email == NULL)
            return bad_usage("%s", "user add: --email is required");
        const char *why = email_problem(cli->email);
        if (why) {
            char shown[64];
            http_escape(cli->email, strlen(cli->email), shown, sizeof shown);
            return bad_usage("user add: --email '%s' %s", shown, why);
        }
        /* Stored in lower case, so that the database's uniqueness ignores case. */
        for (size_t i = 0; cli->email[i]; i++)
            email[i] = (char)tolower((unsigned char)cli->email[i]);
        if (cli->role == NULL ||
            (strcmp(cli->role, "mentor") != 0 && strcmp(cli->role, "user") != 0))
            return bad_usage("%s", "user add: --role must be mentor or user");
    }

    char err[512] = "", id[40], token[65];
    struct db *db = db_open(database_path(cli), err, sizeof err);
    if (db == NULL) {
        fprintf(stderr, "dheya-server: %s\n", err);
        return 1;
    }
    enum db_result r = user ? db_user_add(db, cli->name, email, cli->role, id, token, err,
                                          sizeof err)
                            : db_package_add(db, cli->name, id);
    db_close(db);
    if (r == DB_CONFLICT && user) {
        fprintf(stderr, "dheya-server: user add: a user with email %s already exists (emails "
                "are compared whatever their case)\n", email);
        return 1;
    }
    if (r != DB_OK) {
        fprintf(stderr, "dheya-server: %s: %s\n", what,
                user && *err ? err : "the database refused the write");
        return 1;
    }
    if (user)
        printf("{\"id\": \"%s\", \"token\": \"%s\"}\n", id, token);
    else
        printf("{\"id\": \"%s\"}\n", id);
    return 0;
}

/* Reads every option wherever it stands; the words left over (argv[optind..]) name the
 * command. Returns -1 when the command line is fine so far, else the exit status. */
static int parse_options(int argc, char **argv, struct cli *cli)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},         {"listen", required_argument, NULL, 'l'},
        {"demo", no_argument, NULL, 'D'},            {"rate-limit", required_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 't'},   {"max-connections", required_argument,
                                                      NULL, 'm'},
        {"quiet", no_argument, NULL, 'q'},           {"name", required_argument, NULL, 'n'},
        {"email", required_argument, NULL, 'e'},     {"role", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    int c, index = 0;
    while ((c = getopt_long(argc, argv, "", opts, &index)) != -1) {
        if (strchr("lDrtmq", c) && cli->serve_option == NULL)
            cli->serve_option = opts[index].name;
        if (strchr("neR", c) && cli->add_option == NULL)
            cli->add_option = opts[index].name;
        switch (c) {
        case 'd': cli->db = optarg; break;
        case 'h': cli->help = true; break;
        case 'V': cli->version = true; break;
        case 'l': cli->http.listen = optarg; break;
        case 'D': cli->demo = true; break;
        case 'q': cli->http.quiet = true; break;
        case 'n': cli->name = optarg; break;
        case 'e': cli->email = optarg; break;
        case 'R': cli->role = optarg; break;
        case 'r':
            if (!parse_uint(optarg, 1000000, &cli->rate))
                return bad_usage("--rate-limit %s: expected a whole number", optarg);
            break;
        case 't':
            if (!parse_uint(optarg, 3600, &cli->http.timeout_seconds) ||
                cli->http.timeout_seconds == 0)
                return bad_usage("--timeout %s: expected 1 to 3600 seconds", optarg);
            break;
        case 'm':
            if (!parse_uint(optarg, 100000, &cli->http.max_connections) ||
                cli->http.max_connections < 4)
                return bad_usage("--max-connections %s: expected 4 to 100000", optarg);
            if (cli->http.max_per_ip > cli->http.max_connections / 2)
                cli->http.max_per_ip = cli->http.max_connections / 2;
            break;
        default: fprintf(stderr, "Try 'dheya-server --help'.\n"); return 2;
        }
    }
    return -1;
}

/* Serves until SIGINT or SIGTERM. */
static int serve(struct cli *cli)
{
    if (cli->add_option)
        return bad_usage("--%s belongs to 'user add' or 'package add'", cli->add_option);
    char err[512];
    if (!fetch_global_init()) {
        fprintf(stderr, "dheya-server: cannot set up libcurl\n");
        return 1;
    }
    const struct provider *prov = provider_from_env(err, sizeof err);
    if (prov == NULL) {
        fprintf(stderr, "dheya-server: %s\n", err);
        fetch_global_cleanup();
        return 1;
    }
    const char *path = database_path(cli);
    struct app app = {.provider = prov, .limit = ratelimit_new(cli->rate)};
    const char *ws = getenv("WEBHOOK_SECRET"), *zs = getenv("ZOOM_WEBHOOK_SECRET");
    app.webhook_secret = ws && *ws ? ws : NULL;
    app.zoom_webhook_secret = zs && *zs ? zs : NULL;
    app.db = db_open(path, err, sizeof err);
    if (app.db)
        app.meetings = meetings_new(app.db, prov);
    if (app.db == NULL || app.limit == NULL || app.meetings == NULL) {
        fprintf(stderr, "dheya-server: %s\n", app.db ? "out of memory" : err);
        meetings_free(app.meetings);
        db_close(app.db);
        ratelimit_free(app.limit);
        fetch_global_cleanup();
        return 1;
    }
    bool fill = cli->demo && db_is_empty(app.db);

    /* Worker threads inherit this mask, so SIGINT and SIGTERM reach only sigwait below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *url = NULL;
    struct http_server *srv = http_start(&cli->http, routes_handle, &app, &url, err,
                                         sizeof err);
    int status = 0;
    if (srv == NULL) {
        fprintf(stderr, "dheya-server: %s\n", err);
        status = 1;
    } else {
        printf("listening on %s\n", url ? url : "?");
        fflush(stdout);
        if (cli->demo && !fill)
            printf("demo: the database %s is not empty; no demo data added\n", path);
        if (fill && !demo_fill(app.db, app.meetings, prov->name, stdout))
            status = 1;
        fflush(stdout);
        int sig = 0;
        if (status == 0)
            sigwait(&stop, &sig);
        http_stop(srv);
    }
    free(url);
    meetings_free(app.meetings);
    db_close(app.db);
    ratelimit_free(app.limit);
    fetch_global_cleanup();
    return status;
}

int main(int argc, char **argv)
{
    struct cli cli = {.rate = 600,
                      .http = {.listen = "127.0.0.1:8080", .timeout_seconds = 10,
                               .max_connections = 512, .max_per_ip = 64}};
    int status = parse_options(argc, argv, &cli);
    if (status >= 0)
        return status;
    char **words = argv + optind;
    int nwords = argc - optind;
    bool user = nwords > 0 && strcmp(words[0], "user") == 0;
    bool package = nwords > 0 && strcmp(words[0], "package") == 0;
    if (cli.help) {
        fputs(user ? user_usage : package ? package_usage : usage, stdout);
        return 0;
    }
    if (cli.version) {
        puts("dheya-server " DHEYA_VERSION);
        return 0;
    }
    if (nwords == 0)
        return serve(&cli);
    if (!user && !package)
        return bad_usage("unexpected argument '%s'", words[0]);
    if (nwords < 2 || strcmp(words[1], "add") != 0)
        return bad_usage("%s: the only command is '%s add'", words[0], words[0]);
    if (nwords > 2)
        return bad_usage("unexpected argument '%s'", words[2]);
    return admin_command(&cli, user);
}
