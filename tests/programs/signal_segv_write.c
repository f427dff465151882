#include <stdio.h>

int main(void) {
    int *volatile p = NULL;
    printf("writing through a null pointer\n");
    fflush(stdout);
    *p = 42;
    printf("not reached %d\n", *p);
    return 0;
}
