#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_int_desc(const void *a, const void *b) { return cmp_int(b, a); }
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}
static int cmp_len_then_alpha(const void *a, const void *b) {
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t lx = strlen(x), ly = strlen(y);
    if (lx != ly) return lx < ly ? -1 : 1;
    return strcmp(x, y);
}
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int calls;
static int counting_cmp(const void *a, const void *b) { calls++; return cmp_int(a, b); }

int main(void) {
    int a[64];
    unsigned s = 7;
    for (int i = 0; i < 64; i++) { s = s * 1664525u + 1013904223u; a[i] = (int)(s >> 22) - 512; }
    qsort(a, 64, sizeof a[0], cmp_int);
    for (int i = 0; i < 64; i++) printf("%d%c", a[i], i % 16 == 15 ? '\n' : ' ');
    for (int key = -600; key <= 600; key += 150) {
        int *f = bsearch(&key, a, 64, sizeof a[0], cmp_int);
        printf("bsearch %d -> %s\n", key, f ? "found" : "missing");
    }
    int k2 = a[10];
    int *f = bsearch(&k2, a, 64, sizeof a[0], cmp_int);
    printf("found existing %d: %d\n", k2, f ? *f : -9999);
    qsort(a, 64, sizeof a[0], cmp_int_desc);
    printf("desc first=%d last=%d\n", a[0], a[63]);

    const char *words[] = {"pear", "apple", "fig", "banana", "kiwi", "cherry", "date", "elderberry", "grape", "lime"};
    size_t nw = sizeof words / sizeof words[0];
    qsort(words, nw, sizeof words[0], cmp_str);
    for (size_t i = 0; i < nw; i++) printf("%s ", words[i]);
    printf("\n");
    qsort(words, nw, sizeof words[0], cmp_len_then_alpha);
    for (size_t i = 0; i < nw; i++) printf("%s ", words[i]);
    printf("\n");
    const char *key = "kiwi";
    qsort(words, nw, sizeof words[0], cmp_str);
    const char **w = bsearch(&key, words, nw, sizeof words[0], cmp_str);
    printf("kiwi at index %td\n", w ? w - words : -1);

    double d[10] = {3.5, -1.25, 2.0, 1e10, -1e-3, 0.0, 7.75, -100.0, 42.0, 3.25};
    qsort(d, 10, sizeof d[0], cmp_double);
    for (int i = 0; i < 10; i++) printf("%g ", d[i]);
    printf("\n");

    int sorted[200];
    for (int i = 0; i < 200; i++) sorted[i] = i * 3;
    int hits = 0;
    for (int k = 0; k < 600; k++) if (bsearch(&k, sorted, 200, sizeof(int), counting_cmp)) hits++;
    printf("hits=%d comparisons>0:%d\n", hits, calls > 0);
    return hits % 256;
}
