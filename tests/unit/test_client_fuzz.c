/* The client's fuzz targets replayed on their committed corpora (tests/fuzz/corpus/NAME/:
 * the seeds and every input that once made a target fail), so that each crash the fuzzers
 * found stays a regression test. The targets are compiled here as they are, their entry
 * points renamed; the invariants they check abort the suite when broken. Runs from the
 * repository's top directory, as `make check` does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/unit/fuzz_replay.h"

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

static void decoders(void **state)
{
    fuzz_replay("decoders", fuzz_decoders_one);
}

static void config(void **state)
{
    fuzz_replay("config", fuzz_config_one);
}

static void sanitize_and_cells(void **state)
{
    fuzz_replay("sanitize", fuzz_sanitize_one);
}

static void textarea(void **state)
{
    fuzz_replay("textarea", fuzz_textarea_one);
}

static void next(void **state)
{
    fuzz_replay("next", fuzz_next_one);
}

static void ics(void **state)
{
    fuzz_replay("ics", fuzz_ics_one);
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
