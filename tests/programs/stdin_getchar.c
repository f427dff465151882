#include <stdio.h>
#include <ctype.h>

int main(void) {
    long hist[256] = {0};
    int c, n = 0, digits = 0;
    unsigned long num = 0, numsum = 0;
    while ((c = getchar()) != EOF) {
        hist[c]++;
        n++;
        if (isdigit(c)) { num = num * 10 + (unsigned long)(c - '0'); digits = 1; }
        else if (digits) { numsum += num; num = 0; digits = 0; }
        if (c == '#') {
            int d = getchar();
            if (d != EOF) { ungetc(d, stdin); printf("after # comes '%c'\n", d); }
        }
    }
    if (digits) numsum += num;
    printf("total chars %d, number sum %lu\n", n, numsum);
    for (int i = 0; i < 256; i++)
        if (hist[i]) {
            if (isprint(i)) printf("'%c' %ld\n", i, hist[i]);
            else printf("0x%02x %ld\n", i, hist[i]);
        }
    return n % 256;
}
