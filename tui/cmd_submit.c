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

/* Nothing the mentor typed is lost: a comment that is neither stored nor queued is given
 * back. */
static void give_back(const struct submission *s)
{
    if (s->comment && *s->comment) {
        char *mine = sanitize(s->comment, SANITIZE_MULTILINE);
        fprintf(stderr, "dheya-meet: your comment, not sent:\n%s\n", mine);
        free(mine);
    }
}

/* Queues s; prints why it was queued (because) or why it could not be. */
static int queue(struct cmd_context *ctx, const struct submission *s, const char *because)
{
    char err[400];
    if (outbox_add(ctx->cfg->api_url, ctx->cfg->token, s, err, sizeof err)) {
        printf("Queued: %s. It is saved and will be sent by 'dheya-meet sync' or the next "
               "run.\n", because);
        return EXIT_OK;
    }
    fprintf(stderr, "dheya-meet: %s, and it could not be queued: %s\n", because, err);
    give_back(s);
    return EXIT_FAIL;
}

/* Sends a submission; when the platform cannot take it now, or its answer cannot be read,
 * queues it. Prints the outcome. */
static int submit(struct cmd_context *ctx, const struct submission *s, const char *done_msg)
{
    const struct config *cfg = ctx->cfg;
    /* Order matters within a session (see outbox_must_follow): what is queued for this
     * session is sent first, and if it stays queued, this one queues behind it. */
    if (outbox_must_follow(cfg->api_url, cfg->token, s->session_id)) {
        cmd_flush_wait(ctx);
        if (outbox_must_follow(cfg->api_url, cfg->token, s->session_id))
            return queue(ctx, s, "an earlier submission for this session is still queued, "
                         "and this one must follow it");
    }
    struct api_call call = {.kind = s->kind, .session_id = s->session_id, .rating = s->rating,
                            .comment = s->comment, .idempotency_key = s->key};
    struct api_result *res = cmd_call(ctx, &call);
    int st = EXIT_OK;
    char *why = sanitize(res ? res->message : "out of memory", SANITIZE_LINE);
    switch (outbox_verdict_of(res)) {
    case OUTBOX_VERDICT_DONE:
        printf("%s\n", done_msg);
        break;
    case OUTBOX_VERDICT_LATER:
        st = queue(ctx, s, why);
        break;
    case OUTBOX_VERDICT_UNKNOWN: {
        /* It may be stored: sending it again with the same key settles it, a new one would
         * not (a second feedback is refused). */
        char *because = g_strdup_printf("%s; the platform may have stored it, and sending it "
                                        "again with the same key will settle that", why);
        st = queue(ctx, s, because);
        g_free(because);
        break;
    }
    case OUTBOX_VERDICT_REFUSED:
    case OUTBOX_VERDICT_TOKEN:
    case OUTBOX_VERDICT_BLOCKED:
        st = cmd_report(res, s->kind == API_FEEDBACK ? "feedback not sent"
                                                     : "the session was not completed");
        give_back(s);
        break;
    }
    free(why);
    api_result_free(res);
    return st;
}

int cmd_complete(struct cmd_context *ctx, const char *id)
{
    cmd_flush_start(ctx);
    struct submission s = {.kind = API_COMPLETE, .session_id = g_strdup(id),
                           .key = g_uuid_string_random(), .queued_at = time(NULL)};
    char *msg = g_strdup_printf("Session %s is COMPLETED.", id);
    int st = submit(ctx, &s, msg);
    g_free(msg);
    submission_clear(&s);
    return cmd_finish(ctx, st);
}

int cmd_feedback(struct cmd_context *ctx, const char *id, int rating, const char *comment)
{
    cmd_flush_start(ctx);
    struct submission s = {.kind = API_FEEDBACK, .session_id = g_strdup(id), .rating = rating,
                           .comment = g_strdup(comment ? comment : ""),
                           .key = g_uuid_string_random(), .queued_at = time(NULL)};
    char *msg = g_strdup_printf("Feedback sent for session %s: %d/5.", id, rating);
    int st = submit(ctx, &s, msg);
    g_free(msg);
    submission_clear(&s);
    return cmd_finish(ctx, st);
}

static void print_rejected(void *ud, const char *path, const struct submission *s)
{
    int *n = ud;
    if ((*n)++ == 0)
        printf("Refused by the platform and kept (remove a file once dealt with):\n");
    char *where = sanitize(path, SANITIZE_LINE);
    if (s == NULL) {
        printf("  %s: not a submission\n", where);
        free(where);
        return;
    }
    char *id = sanitize(s->session_id, SANITIZE_LINE);
    char *why = sanitize(s->refused ? s->refused : "no reason recorded", SANITIZE_LINE);
    if (s->kind == API_FEEDBACK)
        printf("  %s: feedback %d/5 for session %s: %s\n", where, s->rating, id, why);
    else
        printf("  %s: completion of session %s: %s\n", where, id, why);
    free(where);
    free(id);
    free(why);
}

/* What is left that this run did not send, other than this account's own. */
static void print_others(const struct outbox_census *c)
{
    if (c->other_account)
        printf("%d queued by another account (another token) wait for a run with its token.\n",
               c->other_account);
    if (c->other_origin) {
        char *where = sanitize(c->other_origin_url, SANITIZE_LINE);
        printf("%d queued for another platform address wait for a run against it: %s%s.\n",
               c->other_origin, where, c->other_origin > 1 ? " (the first of them)" : "");
        free(where);
    }
    if (c->unreadable)
        printf("%d file%s in the outbox %s not a submission; left there.\n", c->unreadable,
               c->unreadable == 1 ? "" : "s", c->unreadable == 1 ? "is" : "are");
}

int cmd_sync(struct cmd_context *ctx)
{
    cmd_flush_start(ctx);
    cmd_flush_wait(ctx);
    const struct outbox_report *r = &ctx->flushed;
    struct outbox_census c;
    outbox_count(ctx->cfg->api_url, ctx->cfg->token, NULL, &c);
    int left = c.mine + c.other_account + c.other_origin + c.unreadable, st;
    if (ctx->flush_start == OUTBOX_BUSY) {
        printf("Another dheya-meet is sending the outbox right now; this one sent nothing. "
               "%d queued for this account.\n", c.mine);
        st = EXIT_FAIL;
    } else if (ctx->flush_start == OUTBOX_FAILED) {
        fprintf(stderr, "dheya-meet: cannot open the outbox (no state directory, or out of "
                "memory)\n");
        st = EXIT_FAIL;
    } else if (r->sent == 0 && r->rejected == 0 && left == 0) {
        printf("Nothing queued.\n");
        st = EXIT_OK;
    } else {
        printf("%d sent, %d still queued, %d refused (kept in the outbox's rejected/ "
               "folder).\n", r->sent, c.mine, r->rejected);
        print_others(&c);
        st = left == 0 && r->rejected == 0 ? EXIT_OK : EXIT_FAIL;
    }
    int shown = 0;
    outbox_each_rejected(print_rejected, &shown);
    return cmd_finish(ctx, st);
}
