#include <stdio.h>

int main(void) {
    printf("first line\n");
    printf("partial output without newline: %d", 12345);
    fprintf(stderr, "stderr also without newline");
    return 3;
}
