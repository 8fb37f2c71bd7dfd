#include "tui/durable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

bool durable_mkdirs(const char *dir, char *err, size_t errlen)
{
    char *path = g_strdup(dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            g_free(path);
            return false;
        }
        *p = '/';
    }
    g_free(path);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return false;
    }
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory (a symlink is not followed)", dir);
        return false;
    }
    if (st.st_uid == getuid() && (st.st_mode & 077))
        chmod(dir, 0700);
    return true;
}

static bool write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool durable_write(const char *dir, const char *name, const void *data, size_t len,
                   char *err, size_t errlen)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
        return false;
    }
    char tmp[300];
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 16; tries++) {
        snprintf(tmp, sizeof tmp, ".%.200s.%08x.tmp", name, g_random_int());
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot write in %s: %s", dir, strerror(errno));
        close(dfd);
        return false;
    }
    const char *step = "write";
    bool ok = fchmod(fd, 0600) == 0 && write_all(fd, data, len);
    if (ok) {
        step = "fsync";
        ok = fsync(fd) == 0;
    }
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok) {
        step = "rename";
        ok = renameat(dfd, tmp, dfd, name) == 0;
        saved = errno;
    }
    if (!ok) {
        unlinkat(dfd, tmp, 0);
        snprintf(err, errlen, "%s, so %s/%s is not saved (%s)", strerror(saved), dir, name, step);
        close(dfd);
        return false;
    }
    /* The rename is durable only once the directory entry is on disk. */
    if (fsync(dfd) != 0) {
        snprintf(err, errlen, "cannot sync %s: %s", dir, strerror(errno));
        close(dfd);
        return false;
    }
    close(dfd);
    return true;
}

char *durable_read(const char *dir, const char *name, size_t max, size_t *len, char *err,
                   size_t errlen)
{
    char *path = g_build_filename(dir, name, NULL);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    char *buf = NULL;
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    } else {
        buf = malloc(max + 1);
        size_t got = 0;
        ssize_t n = 0;
        while (buf && got < max && ((n = read(fd, buf + got, max - got)) > 0 ||
                                    (n < 0 && errno == EINTR)))
            got += n > 0 ? (size_t)n : 0;
        if (buf && n < 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            free(buf);
            buf = NULL;
        } else if (buf) {
            buf[got] = '\0';
            *len = got;
        }
        close(fd);
    }
    g_free(path);
    return buf;
}
