#include <stdio.h>
#include <stdlib.h>

static int visited;
static void bye(void) { printf("atexit: visited=%d\n", visited); }

static int walk(int depth, int target) {
    visited++;
    if (depth == target) {
        printf("exiting from depth %d with status %d\n", depth, 40 + depth % 10);
        exit(40 + depth % 10);
    }
    int r = walk(depth + 1, target);
    printf("unreachable %d\n", r);
    return r;
}

int main(void) {
    atexit(bye);
    printf("start");   /* no newline: must still be flushed by exit */
    printf("\n");
    walk(0, 1234);
    return 0;
}
