#include <stdio.h>

static int collatz_len(unsigned long n) {
    int len = 1;
    while (n != 1) { n = (n & 1) ? 3 * n + 1 : n / 2; len++; }
    return len;
}

int main(void) {
    int best = 0;
    unsigned long arg = 0;
    for (unsigned long i = 1; i < 30000; i++) {
        int l = collatz_len(i);
        if (l > best) { best = l; arg = i; }
    }
    printf("longest collatz below 30000: %lu (%d steps)\n", arg, best);
    return best; /* 308 -> exit status 52 */
}
