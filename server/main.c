/* dheya-server: the reference implementation of the Dheya platform's meeting API. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/app.h"
#include "server/db.h"
#include "server/demo.h"
#include "server/http.h"
#include "server/provider.h"
#include "server/ratelimit.h"
#include "server/routes.h"

static const char usage[] =
    "usage: dheya-server [--db PATH] [--listen HOST:PORT] [--demo] [options]\n"
    "       dheya-server user add --name NAME --email EMAIL --role mentor|user [--db PATH]\n"
    "       dheya-server package add --name NAME [--db PATH]\n"
    "\n"
    "Serves the Dheya meeting API (DESIGN.md) over HTTP from a SQLite database.\n"
    "\n"
    "  --db PATH            the database file (default dheya.db; created if missing)\n"
    "  --listen HOST:PORT   where to listen (default 127.0.0.1:8080; port 0 picks a free one)\n"
    "  --demo               fill an empty database with demo data and print the demo tokens\n"
    "  --rate-limit N       requests a minute per client, per user and per webhook sender\n"
    "                       (default 600; 0 turns it off)\n"
    "  --timeout SECONDS    close idle or slow connections after this long (default 15)\n"
    "  --max-connections N  at most N connections (default 512), 64 per client address\n"
    "  --quiet              no request log on stderr\n"
    "  --help, --version\n"
    "\n"
    "Environment: MEETING_PROVIDER (jitsi), JITSI_DOMAIN (meet.jit.si), JITSI_ROOM_PREFIX\n"
    "(dheya-session), WEBHOOK_SECRET (jitsi, google-meet webhooks), ZOOM_WEBHOOK_SECRET.\n";

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

/* `user add` and `package add`: one line of JSON on stdout. */
static int admin_command(int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'}, {"email", required_argument, NULL, 'e'},
        {"role", required_argument, NULL, 'r'}, {"db", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL, *email = NULL, *role = NULL, *path = "dheya.db";
    bool user = strcmp(argv[1], "user") == 0;
    if (argc < 3 || strcmp(argv[2], "add") != 0)
        return bad_usage("%s: the only subcommand is 'add'", argv[1]);
    optind = 3;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'e': email = optarg; break;
        case 'r': role = optarg; break;
        case 'd': path = optarg; break;
        default: return bad_usage("%s add: unknown option", argv[1]);
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);
    if (name == NULL || *name == '\0')
        return bad_usage("%s add: --name is required", argv[1]);
    if (user && (email == NULL || strchr(email, '@') == NULL))
        return bad_usage("%s", "user add: --email is required and must contain '@'");
    if (user && (role == NULL || (strcmp(role, "mentor") != 0 && strcmp(role, "user") != 0)))
        return bad_usage("%s", "user add: --role must be mentor or user");
    if (!user && (email || role))
        return bad_usage("%s", "package add takes only --name and --db");

    char err[512], id[40], token[65];
    struct db *db = db_open(path, err, sizeof err);
    if (db == NULL) {
        fprintf(stderr, "dheya-server: %s\n", err);
        return 1;
    }
    enum db_result r = user ? db_user_add(db, name, email, role, id, token, err, sizeof err)
                            : db_package_add(db, name, id);
    db_close(db);
    if (r != DB_OK) {
        fprintf(stderr, "dheya-server: %s add: %s\n", argv[1],
                user && *err ? err : "the database refused the write");
        return 1;
    }
    if (user)
        printf("{\"id\": \"%s\", \"token\": \"%s\"}\n", id, token);
    else
        printf("{\"id\": \"%s\"}\n", id);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "user") == 0 || strcmp(argv[1], "package") == 0))
        return admin_command(argc, argv);

    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},       {"listen", required_argument, NULL, 'l'},
        {"demo", no_argument, NULL, 'D'},           {"rate-limit", required_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 't'},  {"max-connections", required_argument,
                                                     NULL, 'm'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},        {NULL, 0, NULL, 0},
    };
    const char *path = "dheya.db";
    bool demo = false;
    unsigned rate = 600;
    struct http_options hopt = {.listen = "127.0.0.1:8080", .timeout_seconds = 15,
                                .max_connections = 512, .max_per_ip = 64};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': path = optarg; break;
        case 'l': hopt.listen = optarg; break;
        case 'D': demo = true; break;
        case 'q': hopt.quiet = true; break;
        case 'r':
            if (!parse_uint(optarg, 1000000, &rate))
                return bad_usage("--rate-limit %s: expected a whole number", optarg);
            break;
        case 't':
            if (!parse_uint(optarg, 3600, &hopt.timeout_seconds) || hopt.timeout_seconds == 0)
                return bad_usage("--timeout %s: expected 1 to 3600 seconds", optarg);
            break;
        case 'm':
            if (!parse_uint(optarg, 100000, &hopt.max_connections) || hopt.max_connections < 4)
                return bad_usage("--max-connections %s: expected 4 to 100000", optarg);
            if (hopt.max_per_ip > hopt.max_connections / 2)
                hopt.max_per_ip = hopt.max_connections / 2;
            break;
        case 'h': fputs(usage, stdout); return 0;
        case 'V': puts("dheya-server " DHEYA_VERSION); return 0;
        default: fprintf(stderr, "Try 'dheya-server --help'.\n"); return 2;
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);

    char err[512];
    const struct provider *prov = provider_from_env(err, sizeof err);
    if (prov == NULL) {
        fprintf(stderr, "dheya-server: %s\n", err);
        return 1;
    }
    struct app app = {.provider = prov, .limit = ratelimit_new(rate)};
    const char *ws = getenv("WEBHOOK_SECRET"), *zs = getenv("ZOOM_WEBHOOK_SECRET");
    app.webhook_secret = ws && *ws ? ws : NULL;
    app.zoom_webhook_secret = zs && *zs ? zs : NULL;
    app.db = db_open(path, err, sizeof err);
    if (app.db == NULL || app.limit == NULL) {
        fprintf(stderr, "dheya-server: %s\n", app.db ? "out of memory" : err);
        db_close(app.db);
        ratelimit_free(app.limit);
        return 1;
    }
    bool fill = demo && db_is_empty(app.db);

    /* Worker threads inherit this mask, so SIGINT and SIGTERM reach only sigwait below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *url = NULL;
    struct http_server *srv = http_start(&hopt, routes_handle, &app, &url, err, sizeof err);
    int status = 0;
    if (srv == NULL) {
        fprintf(stderr, "dheya-server: %s\n", err);
        status = 1;
    } else {
        printf("listening on %s\n", url ? url : "?");
        fflush(stdout);
        if (demo && !fill)
            printf("demo: the database %s is not empty; no demo data added\n", path);
        if (fill && !demo_fill(app.db, prov, stdout))
            status = 1;
        fflush(stdout);
        int sig = 0;
        if (status == 0)
            sigwait(&stop, &sig);
        http_stop(srv);
    }
    free(url);
    db_close(app.db);
    ratelimit_free(app.limit);
    return status;
}
