#include <stdio.h>
#include <stdlib.h>

static void handler_not_run(void) { printf("atexit handlers must not run on abort\n"); }

int main(void) {
    atexit(handler_not_run);
    printf("about to abort, computed %d\n", 6 * 7);
    fprintf(stderr, "stderr before abort\n");
    fflush(stdout);
    printf("this line stays in the buffer and is lost");
    abort();
}
