/* maxrss PROGRAM [ARG...]: runs PROGRAM, then prints "maxrss KB" (its peak resident set
 * size, ru_maxrss) on stderr and exits with PROGRAM's status (128+N for signal N).
 *
 * make bench needs it because Linux counts in a child's ru_maxrss the pages the child had
 * before exec, which for a child of Python are Python's: dheya-meet list measured from the
 * benchmark script read as 23 MB, the size of the script. Forked from this small program,
 * the figure is the program's own. */
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: maxrss PROGRAM [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("maxrss: fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("maxrss: exec");
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("maxrss: wait4");
            return 1;
        }
    }
    fprintf(stderr, "maxrss %ld\n", ru.ru_maxrss);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
