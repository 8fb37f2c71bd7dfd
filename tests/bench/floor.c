/* The floor of make bench: the least a terminal client of the meeting route has to do.
 * It initialises ncurses, makes one HTTP GET of the meeting route with libcurl, draws one
 * frame (a title, the start of the answer, a key line at the bottom, drawn last) and waits
 * for a key. tests/bench/bench.py sets dheya-meet's first room frame and its memory beside
 * this program's, run the same way in the same terminal.
 *
 *     floor URL        the token from DHEYA_TOKEN; any key (or SIGTERM) ends it
 *
 * Exit status: 0 when the GET answered 200, 1 otherwise (the frame is drawn either way). */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floor URL (the token from DHEYA_TOKEN)\n");
        return 2;
    }
    const char *token = getenv("DHEYA_TOKEN");
    setlocale(LC_ALL, "");
    initscr();
    cbreak();
    noecho();
    curs_set(0);
    static struct body b;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    long status = get(argv[1], token ? token : "", &b);
    draw(argv[1], status, &b);
    getch();
    endwin();
    curl_global_cleanup();
    return status == 200 ? 0 : 1;
}
