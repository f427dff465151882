#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

int main(void) {
    errno = 0;
    long v = strtol("99999999999999999999999", NULL, 10);
    printf("strtol overflow: v=%ld errno==ERANGE:%d msg=%s\n", v, errno == ERANGE, strerror(errno));
    errno = 0;
    FILE *f = fopen("/nonexistent-dir-irjit/missing-file.txt", "r");
    int e = errno;
    printf("fopen missing: f=%s errno==ENOENT:%d msg=%s\n", f ? "non-null" : "NULL", e == ENOENT, strerror(e));
    errno = ENOENT;
    perror("perror says");
    int fd = open("/nonexistent-dir-irjit/x", O_RDONLY);
    printf("open: fd=%d errno==ENOENT:%d\n", fd, errno == ENOENT);
    errno = 0;
    ssize_t r = read(-1, NULL, 0);
    printf("read(-1): r=%zd EBADF:%d msg=%s\n", r, errno == EBADF, strerror(errno));
    errno = 0;
    r = write(12345, "x", 1);
    printf("write(bad fd): r=%zd EBADF:%d\n", r, errno == EBADF);
    int codes[] = {EPERM, ENOENT, EINTR, EACCES, EEXIST, EINVAL, ENOSPC, EPIPE, ERANGE, EDOM};
    for (int i = 0; i < 10; i++) printf("errno %d: %s\n", codes[i], strerror(codes[i]));
    errno = 0;
    f = fopen("/", "w");
    printf("fopen dir for write: %s EISDIR:%d\n", f ? "opened" : "failed", errno == EISDIR);
    char buf[64];
    int rc = strerror_r(EINVAL, buf, sizeof buf);
    printf("strerror_r rc=%d msg=%s\n", rc, rc == 0 ? buf : "(gnu variant)");
    return e;
}
