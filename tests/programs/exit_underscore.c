#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void handler(void) { printf("atexit handler must NOT run after _exit\n"); }

int main(void) {
    atexit(handler);
    printf("flushed line\n");
    fflush(stdout);
    fprintf(stderr, "stderr is unbuffered and appears\n");
    printf("this buffered text is discarded by _exit");  /* stdout is a pipe/file: fully buffered */
    write(1, "raw write appears\n", 18);
    _exit(9);
}
