/* The server's fuzz target (webhook handling) replayed on its committed corpus
 * (tests/fuzz/corpus/webhook/: the seeds and every input that once made it fail), so that
 * each crash the fuzzer found stays a regression test. The target is compiled here as it
 * is, its entry point renamed; the invariants it checks abort the suite when broken. Runs
 * from the repository's top directory, as `make check` does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/unit/fuzz_replay.h"

#define LLVMFuzzerTestOneInput fuzz_webhook_one
#include "tests/fuzz/fuzz_webhook.c"
#undef LLVMFuzzerTestOneInput

static void webhook(void **state)
{
    fuzz_replay("webhook", fuzz_webhook_one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(webhook)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
