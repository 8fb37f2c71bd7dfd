#include "tui/commands.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui/outbox.h"
#include "tui/sanitize.h"

bool cmd_colors_off(void)
{
    const char *no = getenv("NO_COLOR"), *cli = getenv("CLICOLOR");
    return (no && *no) || (cli && strcmp(cli, "0") == 0);
}

bool cmd_use_color(void)
{
    return isatty(STDOUT_FILENO) && !cmd_colors_off();
}

int cmd_report(const struct api_result *res, const char *doing)
{
    if (res == NULL) {
        fprintf(stderr, "dheya-meet: %s: out of memory\n", doing);
        return EXIT_FAIL;
    }
    char *msg = sanitize(res->message, SANITIZE_LINE);
    fprintf(stderr, "dheya-meet: %s: %s\n", doing, msg);
    free(msg);
    if (res->status == NET_UNAUTHORIZED) {
        fprintf(stderr, "dheya-meet: check DHEYA_TOKEN, or token / token_file in the config "
                "file\n");
        return EXIT_TOKEN;
    }
    return EXIT_FAIL;
}

int cmd_open(struct cmd_context *ctx, const struct config *cfg)
{
    char why[400];
    ctx->cfg = cfg;
    if (cfg->api_url == NULL) {
        fprintf(stderr, "dheya-meet: no platform address: pass --api URL, set DHEYA_API_URL, "
                "or put api_url = URL in the config file\n");
        return EXIT_USAGE;
    }
    if (!http_url_allowed(cfg->api_url, why, sizeof why)) {
        char *clean = sanitize(why, SANITIZE_LINE);
        fprintf(stderr, "dheya-meet: the platform address is refused: %s\n", clean);
        free(clean);
        return EXIT_USAGE;
    }
    if (cfg->token == NULL) {
        fprintf(stderr, "dheya-meet: no token: set DHEYA_TOKEN, or token / token_file in the "
                "config file\n");
        return EXIT_TOKEN;
    }
    if (cfg->insecure)
        fprintf(stderr, "dheya-meet: warning: --insecure: the platform's certificate is not "
                "checked; anyone on the network path can read and change this session\n");
    struct http_config hc;
    cmd_http_config(cfg, &hc);
    ctx->engine = http_engine_new(&hc);
    ctx->api = ctx->engine ? api_new(ctx->engine, cfg->api_url, cfg->token) : NULL;
    if (ctx->api == NULL) {
        fprintf(stderr, "dheya-meet: cannot set up the HTTP client\n");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

void cmd_close(struct cmd_context *ctx)
{
    outbox_flush_cancel(ctx->flush);
    ctx->flush = NULL;
    api_free(ctx->api);
    http_engine_free(ctx->engine);
    ctx->api = NULL;
    ctx->engine = NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The commands' event loop: runs the engine until *done, or until deadline_ms (monotonic;
 * -1 for none), or until nothing is left to wait for. */
static void run_until(struct cmd_context *ctx, const bool *done, long long deadline_ms)
{
    struct pollfd fds[64];
    while (!*done && http_engine_pending(ctx->engine) > 0) {
        long long left = deadline_ms < 0 ? 1000 : deadline_ms - now_ms();
        if (left <= 0)
            return;
        int n = http_engine_pollfds(ctx->engine, fds, 64);
        int t = http_engine_timeout(ctx->engine);
        if (t < 0 || t > left)
            t = left > 1000 ? 1000 : (int)left;
        poll(fds, (nfds_t)n, t);
        http_engine_dispatch(ctx->engine, fds, n);
    }
}

static void on_flush_note(void *ud, const char *line)
{
    fprintf(stderr, "%s\n", line);
}

static void on_flushed(void *ud, const struct outbox_report *r)
{
    struct cmd_context *ctx = ud;
    ctx->flushed = *r;
    ctx->flush_done = true;
    ctx->flush = NULL;
}

void cmd_flush_start(struct cmd_context *ctx)
{
    if (ctx->flush_started)
        return;
    ctx->flush_started = true;
    /* A little more than one timeout: a flush that started with the command ends on its own
     * by then (its call times out first), and is stopped otherwise. */
    ctx->flush_deadline_ms = now_ms() + ctx->cfg->timeout_seconds * 1000LL + 500;
    ctx->flush = outbox_flush_start(ctx->api, ctx->cfg->api_url, ctx->cfg->token, on_flushed,
                                    on_flush_note, ctx, &ctx->flush_start);
    if (ctx->flush == NULL)
        ctx->flush_done = true;
}

void cmd_flush_wait(struct cmd_context *ctx)
{
    run_until(ctx, &ctx->flush_done, -1);
}

int cmd_finish(struct cmd_context *ctx, int st)
{
    run_until(ctx, &ctx->flush_done, ctx->flush_deadline_ms);
    if (ctx->flush) {
        outbox_flush_cancel(ctx->flush);
        ctx->flush = NULL;
        fprintf(stderr, "dheya-meet: the platform is slow to take the queued submissions; "
                "what was not sent stays queued for 'dheya-meet sync' or the next run\n");
    }
    if (st != EXIT_USAGE && ctx->flush_done && ctx->flushed.token_rejected) {
        fprintf(stderr, "dheya-meet: the platform rejected the token, so the queued "
                "submissions stay queued; check DHEYA_TOKEN, or token / token_file in the "
                "config file\n");
        st = EXIT_TOKEN;
    }
    return st;
}

/* A command's own call: its result (NULL when out of memory) once done. */
struct waiter {
    struct api_result *res;
    bool done;
};

static void keep_result(void *ud, struct api_result *res)
{
    struct waiter *w = ud;
    w->res = res;
    w->done = true;
}

struct api_result *cmd_call(struct cmd_context *ctx, const struct api_call *call)
{
    struct waiter w = {0};
    if (!api_start(ctx->api, call, keep_result, &w))
        return NULL;
    run_until(ctx, &w.done, -1);
    return w.res;
}

void cmd_http_config(const struct config *cfg, struct http_config *hc)
{
    *hc = (struct http_config){
        .connect_timeout_ms = cfg->connect_timeout_seconds * 1000L,
        .total_timeout_ms = cfg->timeout_seconds * 1000L,
        .max_retries = cfg->retries,
        .ca_file = cfg->ca_file,
        .insecure = cfg->insecure,
    };
}

struct api_result *cmd_sessions(struct cmd_context *ctx, int *st)
{
    struct api_call call = {.kind = API_SESSIONS};
    struct api_result *res = cmd_call(ctx, &call);
    if (res == NULL || res->status != NET_OK) {
        *st = cmd_report(res, "cannot list sessions");
        api_result_free(res);
        return NULL;
    }
    *st = EXIT_OK;
    return res;
}
