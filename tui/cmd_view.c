/* list, show and join: reading sessions and opening the meeting. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "tui/commands.h"
#include "tui/join.h"
#include "tui/launcher.h"
#include "tui/sanitize.h"
#include "tui/timefmt.h"

/* Prints JSON text made by net/ (ASCII only) and frees it. */
static void print_json(char *text)
{
    printf("%s\n", text ? text : "{}");
    free(text);
}

/* Prints one cell of a row: text fitted to width cells, then a gap. */
static void cell(const char *text, size_t width)
{
    char *fit = sanitize_fit(text ? text : "", width);
    fputs(fit ? fit : "", stdout);
    fputs("  ", stdout);
    free(fit);
}

static void print_row(const char *const cols[7])
{
    static const size_t widths[] = {26, 18, 20, 22, 3, 10};
    for (int i = 0; i < 6; i++)
        cell(cols[i], widths[i]);
    char *id = sanitize(cols[6], SANITIZE_LINE);
    printf("%s\n", id);
    free(id);
}

static int list_sessions(struct cmd_context *ctx)
{
    int st;
    struct api_result *res = cmd_sessions(ctx, &st);
    if (res == NULL)
        return st;
    if (ctx->json) {
        print_json(meeting_list_to_json(&res->sessions));
    } else if (res->sessions.n == 0) {
        printf("No sessions from 12 hours ago on.\n");
    } else {
        static const char *const head[] = {"WHEN", "STARTS", "MENTEE", "PACKAGE", "#",
                                           "STATUS", "ID"};
        bool color = cmd_use_color();
        if (color)
            fputs("\033[1m", stdout);
        print_row(head);
        if (color)
            fputs("\033[0m", stdout);
        time_t now = time(NULL);
        for (size_t i = 0; i < res->sessions.n; i++) {
            const struct meeting *m = &res->sessions.items[i];
            char when[64], rel[48], num[16];
            timefmt_local(m->scheduled_at, when, sizeof when);
            timefmt_standing(m, now, rel, sizeof rel);
            snprintf(num, sizeof num, "%d", m->session_number);
            const char *row[] = {when, rel, m->user.name, m->package_name, num, m->status,
                                 m->id};
            print_row(row);
        }
    }
    api_result_free(res);
    return EXIT_OK;
}

/* Prints "Label        value", the value sanitized; multi-line values are indented. */
static void field(const char *label, const char *value, enum sanitize_mode mode)
{
    char *clean = sanitize(value ? value : "", mode);
    printf("%-13s", label);
    for (char *line = clean, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        printf("%s%s\n", line == clean ? "" : "             ", line);
    }
    free(clean);
}

static void person_field(const char *label, const struct person *p)
{
    char *v = p->email ? g_strdup_printf("%s <%s>", p->name, p->email) : g_strdup(p->name);
    field(label, v, SANITIZE_LINE);
    g_free(v);
}

static void time_field(const char *label, time_t t)
{
    char when[64];
    timefmt_local(t, when, sizeof when);
    field(label, when, SANITIZE_LINE);
}

static void print_meeting(const struct meeting *m)
{
    char buf[160], when[64], rel[48];
    field("Session", m->id, SANITIZE_LINE);
    person_field("Mentee", &m->user);
    person_field("Mentor", &m->mentor);
    char *pkg = g_strdup_printf("%s, session %d", m->package_name, m->session_number);
    field("Package", pkg, SANITIZE_LINE);
    g_free(pkg);
    timefmt_local(m->scheduled_at, when, sizeof when);
    timefmt_standing(m, time(NULL), rel, sizeof rel);
    snprintf(buf, sizeof buf, "%s (%s)", when, rel);
    field("Scheduled", buf, SANITIZE_LINE);
    snprintf(buf, sizeof buf, "%d min", m->duration);
    field("Duration", buf, SANITIZE_LINE);
    field("Status", m->status, SANITIZE_LINE);
    if (m->meeting_url) {
        field("Meeting", m->meeting_url, SANITIZE_LINE);
    } else {
        char *why = g_strdup_printf("link not ready yet%s%s%s", m->meeting_error ? " (" : "",
                                    m->meeting_error ? m->meeting_error : "",
                                    m->meeting_error ? ")" : "");
        field("Meeting", why, SANITIZE_LINE);
        g_free(why);
    }
    if (m->meeting_passcode)
        field("Passcode", m->meeting_passcode, SANITIZE_LINE);
    if (m->provider)
        field("Host", m->provider, SANITIZE_LINE);
    if (m->started_at)
        time_field("Started", m->started_at);
    if (m->ended_at)
        time_field("Ended", m->ended_at);
    for (size_t i = 0; i < m->n_participants; i++) {
        const struct participant *p = &m->participants[i];
        char joined[64] = "?", left[64] = "";
        if (p->joined_at)
            timefmt_local(p->joined_at, joined, sizeof joined);
        if (p->left_at)
            timefmt_local(p->left_at, left, sizeof left);
        char *v = g_strdup_printf("%s, joined %s%s%s", p->name, joined, *left ? ", left " : "",
                                  left);
        field(i == 0 ? "Participants" : "", v, SANITIZE_LINE);
        g_free(v);
    }
    field("Notes", m->notes ? m->notes : "(none)", SANITIZE_MULTILINE);
    if (m->has_feedback) {
        char stars[32] = "";
        for (int i = 1; i <= 5; i++)
            strcat(stars, i <= m->feedback_rating ? "\u2605" : "\u2606");
        snprintf(buf, sizeof buf, "%s %d/5", stars, m->feedback_rating);
        field("Feedback", buf, SANITIZE_LINE);
        if (m->feedback_comment && *m->feedback_comment)
            field("", m->feedback_comment, SANITIZE_MULTILINE);
    }
}

/* Gets one session's meeting; reports and returns NULL on failure (status in *st). */
static struct api_result *get_meeting(struct cmd_context *ctx, const char *id, int *st)
{
    struct api_call call = {.kind = API_MEETING, .session_id = id};
    struct api_result *res = cmd_call(ctx, &call);
    if (res == NULL || res->status != NET_OK) {
        *st = cmd_report(res, "cannot load the session");
        api_result_free(res);
        return NULL;
    }
    *st = EXIT_OK;
    return res;
}

static int show(struct cmd_context *ctx, const char *id)
{
    int st;
    struct api_result *res = get_meeting(ctx, id, &st);
    if (res == NULL)
        return st;
    if (ctx->json) {
        print_json(meeting_to_json(&res->meeting));
    } else {
        print_meeting(&res->meeting);
    }
    api_result_free(res);
    return EXIT_OK;
}

static int join(struct cmd_context *ctx, const char *id)
{
    int st;
    struct api_result *res = get_meeting(ctx, id, &st);
    if (res == NULL)
        return st;
    const struct meeting *m = &res->meeting;
    char why[600], what[600];
    char *url = join_url(m, why, sizeof why);
    if (url == NULL) {
        fprintf(stderr, "dheya-meet: session %s: %s\n", id, why);
        st = EXIT_FAIL;
    } else {
        printf("Meeting URL: %s\n", url);
        fflush(stdout);
        switch (launcher_open(url, ctx->cfg->browser, what, sizeof what, NULL)) {
        case LAUNCH_STARTED:
            printf("Opened in the browser (%s).\n", what);
            break;
        case LAUNCH_NO_DISPLAY:
            printf("Not opening a browser: %s. Open the URL above yourself.\n", what);
            break;
        case LAUNCH_FAILED:
            fprintf(stderr, "dheya-meet: %s. Open the URL above yourself.\n", what);
            st = EXIT_FAIL;
            break;
        }
        if (meeting_is_completed(m))
            printf("Note: this session is already marked COMPLETED.\n");
    }
    g_free(url);
    api_result_free(res);
    return st;
}

int cmd_list(struct cmd_context *ctx)
{
    cmd_flush_start(ctx);
    return cmd_finish(ctx, list_sessions(ctx));
}

int cmd_show(struct cmd_context *ctx, const char *id)
{
    cmd_flush_start(ctx);
    return cmd_finish(ctx, show(ctx, id));
}

int cmd_join(struct cmd_context *ctx, const char *id)
{
    cmd_flush_start(ctx);
    return cmd_finish(ctx, join(ctx, id));
}
