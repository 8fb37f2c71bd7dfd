/* The server's fuzz target (webhook handling) replayed on its committed corpus
 * (tests/fuzz/corpus/webhook/: the seeds and every input that once made it fail), so that
 * each crash the fuzzer found stays a regression test. The target is compiled here as it
 * is, its entry point renamed; the invariants it checks abort the suite when broken. Runs
 * from the repository's top directory, as `make check` does. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#define LLVMFuzzerTestOneInput fuzz_webhook_one
#include "tests/fuzz/fuzz_webhook.c"
#undef LLVMFuzzerTestOneInput

static void webhook(void **state)
{
    const char *dir = "tests/fuzz/corpus/webhook";
    char path[600];
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
        fuzz_webhook_one(data, n);
        free(data);
        files++;
    }
    closedir(d);
    print_message("# webhook: %d inputs\n", files);
    assert_true(files > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(webhook)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
