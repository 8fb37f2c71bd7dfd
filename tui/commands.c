#include "tui/commands.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/outbox.h"
#include "tui/sanitize.h"

bool cmd_use_color(void)
{
    const char *no = getenv("NO_COLOR"), *cli = getenv("CLICOLOR");
    return isatty(STDOUT_FILENO) && !(no && *no) && !(cli && strcmp(cli, "0") == 0);
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
    struct http_config hc = {
        .connect_timeout_ms = cfg->connect_timeout_seconds * 1000L,
        .total_timeout_ms = cfg->timeout_seconds * 1000L,
        .max_retries = cfg->retries,
        .ca_file = cfg->ca_file,
        .insecure = cfg->insecure,
    };
    ctx->engine = http_engine_new(&hc);
    ctx->api = ctx->engine ? api_new(ctx->engine, cfg->api_url, cfg->token) : NULL;
    if (ctx->api == NULL) {
        fprintf(stderr, "dheya-meet: cannot set up the HTTP client\n");
        return EXIT_FAIL;
    }
    outbox_flush(ctx->api, cfg->api_url, stderr, &ctx->flushed);
    return EXIT_OK;
}

void cmd_close(struct cmd_context *ctx)
{
    api_free(ctx->api);
    http_engine_free(ctx->engine);
    ctx->api = NULL;
    ctx->engine = NULL;
}
