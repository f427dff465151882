#include <stdio.h>
#include <stdlib.h>

static char buf[1 << 16];

static void deep(int n) {
    if (n == 0) {
        printf("about to exit from the bottom, still buffered");
        fprintf(stderr, "stderr is unbuffered\n");
        exit(7);
    }
    printf("level %d;", n);
    deep(n - 1);
    printf("never printed\n");
}

int main(void) {
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    for (int i = 0; i < 100; i++) printf("%d ", i * i);
    printf("\n");
    deep(20);
    return 0;
}
