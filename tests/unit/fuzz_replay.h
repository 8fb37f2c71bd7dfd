/* Replays a fuzz target's committed corpus (tests/fuzz/corpus/SURFACE/) in a cmocka test:
 * shared by test_client_fuzz.c and test_server_fuzz.c, which include it after cmocka.h. */
#ifndef TESTS_UNIT_FUZZ_REPLAY_H
#define TESTS_UNIT_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Feeds every file of tests/fuzz/corpus/SURFACE/ to one; at least one must be there. Runs
 * from the repository's top directory, as `make check` does. */
static void fuzz_replay(const char *surface, int (*one)(const uint8_t *, size_t))
{
    char dir[256], path[600];
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", surface);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t *data = malloc(1 << 20);
        assert_non_null(data);
        size_t n = fread(data, 1, 1 << 20, f);
        fclose(f);
        one(data, n);
        free(data);
        files++;
    }
    closedir(d);
    print_message("# %s: %d inputs\n", surface, files);
    assert_true(files > 0);
}

#endif
