#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *data; size_t len, cap; } sbuf;

static void sb_append(sbuf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 8;
        while (nc < b->len + n + 1) nc *= 2;
        char *p = realloc(b->data, nc);
        if (!p) exit(2);
        b->data = p; b->cap = nc;
    }
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

int main(void) {
    /* growth of an int array */
    int *arr = NULL;
    size_t n = 0, cap = 0, grows = 0;
    for (int i = 0; i < 100000; i++) {
        if (n == cap) {
            cap = cap ? cap * 3 / 2 + 1 : 4;
            int *p = realloc(arr, cap * sizeof *p);
            if (!p) return 2;
            arr = p; grows++;
        }
        arr[n++] = i ^ (i >> 3);
    }
    long long sum = 0;
    for (size_t i = 0; i < n; i++) sum += arr[i];
    printf("n=%zu cap=%zu grows=%zu sum=%lld\n", n, cap, grows, sum);
    arr = realloc(arr, 10 * sizeof *arr);
    printf("shrunk first: %d %d %d last kept: %d\n", arr[0], arr[1], arr[2], arr[9]);
    free(arr);

    /* calloc must zero */
    size_t zeros = 0;
    for (int round = 0; round < 50; round++) {
        size_t cnt = (size_t)(round * 37 + 1);
        long *z = calloc(cnt, sizeof *z);
        for (size_t i = 0; i < cnt; i++) zeros += z[i] == 0;
        for (size_t i = 0; i < cnt; i++) z[i] = -1;
        free(z);
    }
    printf("calloc zeros=%zu\n", zeros);

    /* string builder */
    sbuf b = {0};
    char tmp[32];
    for (int i = 0; i < 500; i++) {
        snprintf(tmp, sizeof tmp, "%d:%s;", i, (i % 7) ? "x" : "seven");
        sb_append(&b, tmp);
    }
    unsigned h = 0;
    for (size_t i = 0; i < b.len; i++) h = h * 131 + (unsigned char)b.data[i];
    printf("len=%zu cap=%zu hash=%u head=%.40s\n", b.len, b.cap, h, b.data);
    free(b.data);

    /* many allocations of varying sizes, freed in scrambled order */
    void *ptrs[1000];
    for (int i = 0; i < 1000; i++) {
        ptrs[i] = malloc((size_t)(i % 97) * 13 + 1);
        memset(ptrs[i], i & 0xff, (size_t)(i % 97) * 13 + 1);
    }
    unsigned long acc = 0;
    for (int i = 0; i < 1000; i++) acc += ((unsigned char *)ptrs[i])[0];
    for (int i = 0; i < 1000; i++) free(ptrs[(i * 7) % 1000]);
    printf("acc=%lu\n", acc);
    return 0;
}
