#include <stdio.h>

int main(void) {
    /* Everything stays in the stdio buffer until exit flushes it. */
    setvbuf(stdout, NULL, _IOFBF, 8192);
    unsigned sum = 0;
    for (int i = 1; i <= 300; i++) {
        sum += (unsigned)i * 31u;
        printf("%u,", sum);
    }
    fputs("tail-without-newline", stdout);
    return (int)(sum % 200);
}
