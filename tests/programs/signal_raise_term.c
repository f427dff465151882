#include <stdio.h>
#include <signal.h>

int main(void) {
    printf("raising SIGTERM\n");
    fprintf(stderr, "goodbye from stderr\n");
    fflush(stdout);
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}
