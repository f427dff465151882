#include <stdio.h>
#include <assert.h>

static int checked_div(int a, int b) {
    assert(b != 0 && "divisor must be non-zero");
    return a / b;
}

int main(void) {
    int total = 0;
    int divisors[] = {5, 3, 1, 0, 2};
    for (int i = 0; i < 5; i++) {
        total += checked_div(100, divisors[i]);
        printf("after %d: total=%d\n", i, total);
        fflush(stdout);
    }
    return total;
}
