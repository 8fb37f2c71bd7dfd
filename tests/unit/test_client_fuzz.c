/* The client's fuzz targets replayed on their committed corpora (tests/fuzz/corpus/NAME/:
 * the seeds and every input that once made a target fail), so that each crash the fuzzers
 * found stays a regression test. The targets are compiled here as they are, their entry
 * points renamed; the invariants they check abort the suite when broken. Runs from the
 * repository's top directory, as `make check` does. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#define LLVMFuzzerTestOneInput fuzz_decoders_one
#include "tests/fuzz/fuzz_decoders.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "tests/fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_sanitize_one
#include "tests/fuzz/fuzz_sanitize.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_textarea_one
#include "tests/fuzz/fuzz_textarea.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_next_one
#include "tests/fuzz/fuzz_next.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_ics_one
#include "tests/fuzz/fuzz_ics.c"
#undef LLVMFuzzerTestOneInput

/* Feeds every file of tests/fuzz/corpus/SURFACE/ to one; at least one must be there. */
static void replay(const char *surface, int (*one)(const uint8_t *, size_t))
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

static void decoders(void **state)
{
    replay("decoders", fuzz_decoders_one);
}

static void config(void **state)
{
    replay("config", fuzz_config_one);
}

static void sanitize_and_cells(void **state)
{
    replay("sanitize", fuzz_sanitize_one);
}

static void textarea(void **state)
{
    replay("textarea", fuzz_textarea_one);
}

static void next(void **state)
{
    replay("next", fuzz_next_one);
}

static void ics(void **state)
{
    replay("ics", fuzz_ics_one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decoders), cmocka_unit_test(config),
        cmocka_unit_test(sanitize_and_cells), cmocka_unit_test(textarea),
        cmocka_unit_test(next), cmocka_unit_test(ics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
