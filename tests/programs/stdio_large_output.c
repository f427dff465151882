#include <stdio.h>
#include <stdint.h>

/* Writes roughly 100 KB to stdout and some to stderr. */
int main(void) {
    uint32_t h = 2166136261u;
    unsigned long total = 0;
    for (int i = 0; i < 2000; i++) {
        char line[128];
        int n = snprintf(line, sizeof line, "line %05d: %08x %-10s %6.2f |", i,
                         (unsigned)(i * 2654435761u), (i % 3) ? "abc" : "defghij",
                         (double)i / 7.0);
        for (int j = 0; j < n; j++) h = (h ^ (unsigned char)line[j]) * 16777619u;
        total += (unsigned long)n;
        fputs(line, stdout);
        for (int j = 0; j < 8; j++) putchar('a' + (i + j) % 26);
        putchar('\n');
        total += 9;
        if (i % 250 == 0) fprintf(stderr, "progress %d\n", i);
    }
    printf("total=%lu hash=%08x\n", total, (unsigned)h);
    return 0;
}
