#include <stdio.h>

static int divide(int a, int b) { return a / b; }

int main(void) {
    volatile int zero = 0;
    int results = 0;
    for (int i = 5; i >= 0; i--) {
        int d = i == 0 ? zero : i;
        printf("100 / %d = ", d);
        fflush(stdout);
        results += divide(100, d);
        printf("%d\n", divide(100, d));
    }
    return results;
}
