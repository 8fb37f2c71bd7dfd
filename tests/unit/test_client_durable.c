/* tui/durable.c: atomic, durable, private small files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tui/durable.h"

static char root[256];

static int make_root(void **state)
{
    snprintf(root, sizeof root, "/tmp/dheya-durable-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static char *path_in(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", root, name);
    return buf;
}

/* Number of entries in dir whose name starts with '.' (temporary files), "." and ".." aside. */
static int temp_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void private_modes_whatever_the_umask(void **state)
{
    char err[300];
    mode_t old = umask(0);
    char *dir = strdup(path_in("state/a/b"));
    assert_true(durable_mkdirs(dir, err, sizeof err));
    assert_true(durable_write(dir, "f", "hello", 5, err, sizeof err));
    umask(old);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char file[600];
    snprintf(file, sizeof file, "%s/f", dir);
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t len;
    char *back = durable_read(dir, "f", 100, &len, err, sizeof err);
    assert_string_equal(back, "hello");
    free(back);
    free(dir);
}

static void replaces_an_open_file_and_fixes_its_mode(void **state)
{
    char err[300];
    FILE *f = fopen(path_in("old"), "w");
    fputs("old contents", f);
    fclose(f);
    chmod(path_in("old"), 0644);
    assert_true(durable_write(root, "old", "new", 3, err, sizeof err));
    struct stat st;
    stat(path_in("old"), &st);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t len;
    char *back = durable_read(root, "old", 100, &len, err, sizeof err);
    assert_string_equal(back, "new");
    free(back);
    assert_int_equal(temp_files(root), 0);
}

static void never_follows_a_symlink(void **state)
{
    char err[300];
    FILE *f = fopen(path_in("target"), "w");
    fputs("precious", f);
    fclose(f);
    char target[512];
    snprintf(target, sizeof target, "%s", path_in("target"));
    assert_int_equal(symlink(target, path_in("link")), 0);
    assert_true(durable_write(root, "link", "x", 1, err, sizeof err));
    struct stat st;
    assert_int_equal(lstat(path_in("link"), &st), 0);
    assert_true(S_ISREG(st.st_mode));          /* the link was replaced by a file */
    size_t len;
    char *back = durable_read(root, "target", 100, &len, err, sizeof err);
    assert_string_equal(back, "precious");     /* its target untouched */
    free(back);
    assert_int_equal(symlink(root, path_in("dirlink")), 0);
    assert_false(durable_mkdirs(path_in("dirlink"), err, sizeof err));
    assert_non_null(strstr(err, "symlink"));
    assert_false(durable_write(path_in("dirlink"), "f", "x", 1, err, sizeof err));
    assert_int_equal(symlink(target, path_in("readlink")), 0);
    assert_null(durable_read(root, "readlink", 100, &len, err, sizeof err));
}

static void a_full_disk_keeps_the_old_file(void **state)
{
    char err[300];
    assert_true(durable_write(root, "draft", "the old draft", 13, err, sizeof err));
    pid_t pid = fork();
    if (pid == 0) {
        /* A file size limit stands in for a full disk: write() fails part-way. */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        static char big[100000];
        memset(big, 'x', sizeof big);
        bool ok = durable_write(root, "draft", big, sizeof big, err, sizeof err);
        _exit(!ok && strstr(err, "is not saved") ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    size_t len;
    char *back = durable_read(root, "draft", 200000, &len, err, sizeof err);
    assert_string_equal(back, "the old draft");
    free(back);
    assert_int_equal(temp_files(root), 0);
}

/* Every version written is one character repeated; a torn file would mix them. */
static void kill_9_leaves_the_old_or_the_new_file(void **state)
{
    char err[300];
    char *dir = strdup(path_in("kill"));
    assert_true(durable_mkdirs(dir, err, sizeof err));
    static char buf[8192];
    memset(buf, 'a', sizeof buf);
    assert_true(durable_write(dir, "v", buf, sizeof buf, err, sizeof err));
    srand((unsigned)time(NULL));
    for (int round = 0; round < 1000; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (int i = 0;; i++) {
                memset(buf, 'a' + i % 26, sizeof buf);
                durable_write(dir, "v", buf, sizeof buf, err, sizeof err);
            }
        }
        struct timespec ts = {0, (rand() % 2000) * 1000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        size_t len = 0;
        char *back = durable_read(dir, "v", sizeof buf + 1, &len, err, sizeof err);
        assert_non_null(back);
        assert_int_equal(len, sizeof buf);
        for (size_t i = 1; i < len; i++)
            if (back[i] != back[0])
                fail_msg("round %d: torn file at byte %zu", round, i);
        free(back);
    }
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(private_modes_whatever_the_umask, make_root, remove_root),
        cmocka_unit_test_setup_teardown(replaces_an_open_file_and_fixes_its_mode, make_root,
                                        remove_root),
        cmocka_unit_test_setup_teardown(never_follows_a_symlink, make_root, remove_root),
        cmocka_unit_test_setup_teardown(a_full_disk_keeps_the_old_file, make_root, remove_root),
        cmocka_unit_test_setup_teardown(kill_9_leaves_the_old_or_the_new_file, make_root,
                                        remove_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
