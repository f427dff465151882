#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char *argv[]) {
    long sum = 0, prod = 1;
    double dsum = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (strchr(argv[i], '.')) {
            double d = strtod(argv[i], &end);
            dsum += d;
            printf("double %s -> %.4f\n", argv[i], d);
        } else {
            long v = strtol(argv[i], &end, 0);
            if (*end) { printf("bad number '%s' (rest '%s')\n", argv[i], end); bad++; continue; }
            sum += v;
            prod *= v;
            printf("long %s -> %ld\n", argv[i], v);
        }
    }
    printf("sum=%ld prod=%ld dsum=%.4f bad=%d\n", sum, prod, dsum, bad);
    return (int)(sum & 0x7f);
}
