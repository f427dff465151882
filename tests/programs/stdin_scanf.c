#include <stdio.h>

int main(void) {
    int count;
    if (scanf("%d", &count) != 1) { fprintf(stderr, "bad header\n"); return 1; }
    long isum = 0;
    double dsum = 0;
    for (int i = 0; i < count; i++) {
        int k; double v; char name[32];
        if (scanf("%31s %d %lf", name, &k, &v) != 3) { fprintf(stderr, "bad record %d\n", i); return 2; }
        isum += k;
        dsum += v * k;
        printf("%-8s k=%4d v=%10.4f prod=%12.4f\n", name, k, v, v * k);
    }
    char word[16];
    int hexv;
    if (scanf(" end %15s %x", word, &hexv) == 2) printf("trailer %s %d\n", word, hexv);
    int extra, nextra = 0;
    while (scanf("%d", &extra) == 1) nextra += extra;
    printf("isum=%ld dsum=%.6f extra=%d\n", isum, dsum, nextra);
    printf("eof=%d\n", feof(stdin) ? 1 : 0);
    return (int)(isum % 100);
}
