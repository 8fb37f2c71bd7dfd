/* libFuzzer target: the files a user writes for dheya-meet: the config file (config_load,
 * "key = value" lines, from a private temporary directory) and a theme file (theme_parse,
 * then theme_select of it as a user theme and theme_resolve of every slot at each colour
 * depth). The same input is given to both parsers. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "themes/theme.h"
#include "tui/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_config_dir[256], fuzz_config_path[300], fuzz_config_theme_path[300];

static void fuzz_config_cleanup(void)
{
    unlink(fuzz_config_path);
    unlink(fuzz_config_theme_path);
    rmdir(fuzz_config_dir);
}

static void fuzz_config_init(void)
{
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_config_dir, sizeof fuzz_config_dir, "%s/dheya-fuzz-config-XXXXXX", tmp);
    FUZZ_CHECK(mkdtemp(fuzz_config_dir) != NULL);
    atexit(fuzz_config_cleanup);
    snprintf(fuzz_config_path, sizeof fuzz_config_path, "%s/config", fuzz_config_dir);
    snprintf(fuzz_config_theme_path, sizeof fuzz_config_theme_path, "%s/fuzz.theme", fuzz_config_dir);
    /* Only the file counts, not the caller's environment. */
    unsetenv("DHEYA_API_URL");
    unsetenv("DHEYA_THEME");
    unsetenv("DHEYA_TOKEN");
}

static void fuzz_config_write(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
    close(fd);
}

static void fuzz_config_file(const uint8_t *data, size_t size)
{
    fuzz_config_write(fuzz_config_path, data, size);
    struct config_overrides o = {.config_path = fuzz_config_path};
    struct config c;
    char err[1024] = "";
    enum config_status st = config_load(&o, &c, err, sizeof err);
    FUZZ_CHECK(st == CONFIG_OK || err[0] != '\0');
    FUZZ_CHECK(c.theme != NULL);
    FUZZ_CHECK(c.n_remind >= 0 && c.n_remind <= CONFIG_MAX_REMIND);
    if (st == CONFIG_OK) {
        for (int i = 0; i < c.n_remind; i++)
            FUZZ_CHECK(c.remind[i] >= 0 && c.remind[i] <= 24 * 60);
        FUZZ_CHECK(c.timeout_seconds >= 1 && c.timeout_seconds <= 600);
        FUZZ_CHECK(c.retries >= 0 && c.retries <= 5);
    }
    config_clear(&c);
}

static void fuzz_config_theme(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    char err[1024] = "";
    bool ok = theme_parse(text, "fuzz.theme", err, sizeof err);
    FUZZ_CHECK(ok || strncmp(err, "fuzz.theme", 10) == 0);
    free(text);
    fuzz_config_write(fuzz_config_theme_path, data, size);
    for (int mono = 0; mono < 2; mono++) {
        if (!theme_select("fuzz", fuzz_config_dir, mono, err, sizeof err))
            continue;
        static const int depths[] = {0, 8, 16, 88, 256};
        for (size_t d = 0; d < sizeof depths / sizeof *depths; d++) {
            for (int s = 0; s < THEME_N_SLOTS; s++) {
                short fg, bg;
                attr_t attrs;
                if (theme_resolve((enum theme_slot)s, depths[d], &fg, &bg, &attrs)) {
                    FUZZ_CHECK(!mono && depths[d] >= 8);
                    FUZZ_CHECK(fg >= -1 && fg < depths[d] && bg >= -1 && bg < depths[d]);
                }
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_config_path[0] == '\0')
        fuzz_config_init();
    fuzz_config_file(data, size);
    fuzz_config_theme(data, size);
    return 0;
}
