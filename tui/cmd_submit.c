/* complete, feedback and sync: the submissions, queued in the outbox when the platform
 * cannot take them now. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "net/submission.h"
#include "tui/commands.h"
#include "tui/outbox.h"
#include "tui/sanitize.h"

/* Sends a submission; on a passing failure queues it. Prints the outcome. */
static int submit(struct cmd_context *ctx, struct submission *s, const char *done_msg)
{
    struct api_call call = {.kind = s->kind, .session_id = s->session_id, .rating = s->rating,
                            .comment = s->comment, .idempotency_key = s->key};
    struct api_result *res = api_wait(ctx->api, &call);
    int st = EXIT_OK;
    if (res && res->status == NET_OK) {
        printf("%s\n", done_msg);
    } else if (res && net_status_is_transient(res->status)) {
        char err[400];
        char *why = sanitize(res->message, SANITIZE_LINE);
        if (outbox_add(s, err, sizeof err)) {
            printf("Queued: %s. It is saved and will be sent by 'dheya-meet sync' or the "
                   "next run.\n", why);
        } else {
            fprintf(stderr, "dheya-meet: %s, and it could not be queued: %s\n", why, err);
            if (s->comment && *s->comment) {
                /* Nothing the mentor typed is lost: give the comment back. */
                char *mine = sanitize(s->comment, SANITIZE_MULTILINE);
                fprintf(stderr, "dheya-meet: your comment, not sent:\n%s\n", mine);
                free(mine);
            }
            st = EXIT_FAIL;
        }
        free(why);
    } else {
        st = cmd_report(res, s->kind == API_FEEDBACK ? "feedback not sent"
                                                     : "the session was not completed");
    }
    api_result_free(res);
    return st;
}

int cmd_complete(struct cmd_context *ctx, const char *id)
{
    struct submission s = {.kind = API_COMPLETE, .session_id = g_strdup(id),
                           .key = g_uuid_string_random(),
                           .api_url = g_strdup(ctx->cfg->api_url), .queued_at = time(NULL)};
    char *msg = g_strdup_printf("Session %s is COMPLETED.", id);
    int st = submit(ctx, &s, msg);
    g_free(msg);
    submission_clear(&s);
    return st;
}

int cmd_feedback(struct cmd_context *ctx, const char *id, int rating, const char *comment)
{
    struct submission s = {.kind = API_FEEDBACK, .session_id = g_strdup(id), .rating = rating,
                           .comment = g_strdup(comment ? comment : ""),
                           .key = g_uuid_string_random(),
                           .api_url = g_strdup(ctx->cfg->api_url), .queued_at = time(NULL)};
    char *msg = g_strdup_printf("Feedback sent for session %s: %d/5.", id, rating);
    int st = submit(ctx, &s, msg);
    g_free(msg);
    submission_clear(&s);
    return st;
}

int cmd_sync(struct cmd_context *ctx)
{
    /* cmd_open has flushed the outbox already; report what it did and what is left. */
    const struct outbox_report *r = &ctx->flushed;
    int left = outbox_count();
    if (r->sent == 0 && r->rejected == 0 && left == 0) {
        printf("Nothing queued.\n");
        return EXIT_OK;
    }
    printf("%d sent, %d still queued, %d refused (kept in the outbox's rejected/ folder).\n",
           r->sent, left, r->rejected);
    return left == 0 && r->rejected == 0 ? EXIT_OK : EXIT_FAIL;
}
