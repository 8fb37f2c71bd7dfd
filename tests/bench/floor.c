/* The floor of make bench: the least a terminal client has to do for each figure that
 * tests/bench/bench.py sets beside dheya-meet's, run the same way in the same terminal in
 * the same run. One program, three modes:
 *
 *     floor URL          the first frame: it initialises ncurses, makes one HTTP GET of the
 *                        meeting route with libcurl, draws one frame (a title, the start of
 *                        the answer, a key line at the bottom, drawn last) and waits for a
 *                        key. The token comes from DHEYA_TOKEN; any key (or SIGTERM) ends it.
 *                        Exit status 0 when the GET answered 200, 1 otherwise (the frame is
 *                        drawn either way). The reference for the first frame and its memory.
 *     floor --idle TIME  a one-line countdown to TIME (Unix seconds), "Starts in MM:SS" as
 *                        the room shows it, redrawn on each wall-clock second; any key ends
 *                        it. The reference for the idle room's bytes per tick and its CPU.
 *     floor --keys       draws each key as it comes: Space toggles a check box, any other
 *                        printable key is typed on a line; Escape ends it. The reference for
 *                        the room's key-to-screen latency.
 */
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <ncurses.h>

#define MAX_BODY (64 * 1024)

struct body {
    char data[MAX_BODY];
    size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body *b = userdata;
    size_t n = size * nmemb, room = sizeof b->data - 1 - b->len;
    memcpy(b->data + b->len, ptr, n < room ? n : room);
    b->len += n < room ? n : room;
    return n;
}

/* One GET with the bearer token; the answer's status, or 0 when there was none. */
static long get(const char *url, const char *token, struct body *b)
{
    CURL *h = curl_easy_init();
    if (h == NULL)
        return 0;
    char auth[1024];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 15L);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return status;
}

/* The frame: the body cut into screen lines between a title and a key line. Bytes outside
 * printable ASCII become '.', so nothing from the answer can drive the terminal. */
static void draw(const char *url, long status, const struct body *b)
{
    erase();
    attron(A_REVERSE);
    mvhline(0, 0, ' ', COLS);
    mvprintw(0, 1, "floor | GET %.*s -> %ld", COLS - 20, url, status);
    attroff(A_REVERSE);
    size_t at = 0;
    for (int y = 2; y < LINES - 2 && at < b->len; y++) {
        move(y, 0);
        for (int x = 0; x < COLS && at < b->len; x++, at++) {
            unsigned char c = (unsigned char)b->data[at];
            addch(c >= 0x20 && c < 0x7f ? c : '.');
        }
    }
    attron(A_REVERSE);
    mvaddstr(LINES - 1, 0, "q");
    attroff(A_REVERSE);
    addstr(" Quit (the floor: one GET, one frame)");
    refresh();
}

static int first_frame(const char *url)
{
    const char *token = getenv("DHEYA_TOKEN");
    static struct body b;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    long status = get(url, token ? token : "", &b);
    draw(url, status, &b);
    getch();
    endwin();
    curl_global_cleanup();
    return status == 200 ? 0 : 1;
}

/* Milliseconds to the next whole wall-clock second, rounded up: the room ticks on the
 * second too, so both redraw in the same second of the same idle minute. */
static int until_next_second(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int)(1000 - ts.tv_nsec / 1000000);
}

/* The countdown: sleeps in getch until the next second (or a key), then redraws the line;
 * curses sends only the characters that changed. */
static int idle(time_t start)
{
    for (;;) {
        time_t now = time(NULL);
        long s = start > now ? (long)(start - now) : 0;
        mvprintw(0, 0, "Starts in %02ld:%02ld", s / 60, s % 60);
        clrtoeol();
        refresh();
        timeout(until_next_second());
        if (getch() != ERR) {
            endwin();
            return 0;
        }
    }
}

/* The echo: one key read, its mark drawn, the screen refreshed, nothing else. A space is
 * drawn as the box's x (a blank drawn over a blank would send nothing to measure). */
static int keys(void)
{
    enum { BOX_ROW = 2, LINE_ROW = 4, LINE_COL = 2 };
    bool ticked = false;
    int col = LINE_COL;
    mvaddstr(0, 0, "floor | Space toggles the box, other keys are typed, Escape quits");
    mvaddstr(BOX_ROW, 0, "[ ] the box");
    mvaddstr(LINE_ROW, 0, "> ");
    refresh();
    for (int ch; (ch = getch()) != 27 && ch != ERR;) {
        if (ch == ' ') {
            ticked = !ticked;
            mvaddch(BOX_ROW, 1, ticked ? 'x' : ' ');
        } else if (ch > ' ' && ch < 0x7f) {
            if (col >= COLS - 1) { /* a full line starts again */
                move(LINE_ROW, LINE_COL);
                clrtoeol();
                col = LINE_COL;
            }
            mvaddch(LINE_ROW, col++, (chtype)ch);
        }
        refresh();
    }
    endwin();
    return 0;
}

int main(int argc, char **argv)
{
    bool idle_mode = argc == 3 && strcmp(argv[1], "--idle") == 0;
    bool keys_mode = argc == 2 && strcmp(argv[1], "--keys") == 0;
    if (argc != 2 && !idle_mode) {
        fprintf(stderr, "usage: floor URL (the token from DHEYA_TOKEN)\n"
                        "       floor --idle UNIX_TIME\n"
                        "       floor --keys\n");
        return 2;
    }
    setlocale(LC_ALL, "");
    initscr();
    cbreak();
    noecho();
    curs_set(0);
    if (idle_mode)
        return idle((time_t)strtoll(argv[2], NULL, 10));
    if (keys_mode)
        return keys();
    return first_frame(argv[1]);
}
