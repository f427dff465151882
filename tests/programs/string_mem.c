#include <stdio.h>
#include <string.h>
#include <stdint.h>

static void show(const char *tag, const char *b, size_t n) {
    printf("%-10s [", tag);
    for (size_t i = 0; i < n; i++) putchar(b[i] ? b[i] : '.');
    printf("]\n");
}

int main(void) {
    char buf[32];
    memset(buf, 0, sizeof buf);
    memcpy(buf, "0123456789abcdef", 16);
    show("init", buf, 20);
    memmove(buf + 4, buf, 10);
    show("move fwd", buf, 20);
    memmove(buf, buf + 6, 10);
    show("move back", buf, 20);
    memset(buf + 10, '*', 5);
    show("memset", buf, 20);
    printf("memcmp: %d %d %d\n", memcmp("abc", "abd", 3) < 0, memcmp("abc", "abc", 3), memcmp("b", "a", 1) > 0);
    const char *hay = "find the x here";
    const char *m = memchr(hay, 'x', 15);
    printf("memchr offset: %td, missing: %d\n", m ? m - hay : -1L, memchr(hay, 'z', 15) == NULL);
    /* large copies with different alignments */
    static unsigned char src[4096], dst[4096 + 64];
    for (int i = 0; i < 4096; i++) src[i] = (unsigned char)(i * 131 + 7);
    unsigned long sum = 0;
    for (int off = 0; off < 64; off += 3) {
        memset(dst, 0, sizeof dst);
        memcpy(dst + off, src + (off % 5), 4096 - (size_t)(off % 5));
        for (int i = 0; i < 4096 + 64; i += 61) sum += dst[i] * (unsigned long)(i + 1);
    }
    printf("aligned-copy checksum=%lu\n", sum);
    /* overlapping memmove of many sizes */
    static char ov[1024];
    for (int i = 0; i < 1024; i++) ov[i] = (char)('A' + i % 26);
    for (int k = 1; k < 200; k += 13) memmove(ov + k, ov, 500);
    for (int k = 1; k < 200; k += 17) memmove(ov, ov + k, 500);
    unsigned h = 0;
    for (int i = 0; i < 1024; i++) h = h * 31 + (unsigned char)ov[i];
    printf("overlap hash=%u\n", h);
    /* struct copies */
    struct rec { int a; double b; char name[24]; } r1 = {1, 2.5, "record-one"}, r2;
    memcpy(&r2, &r1, sizeof r1);
    r2.a = 2;
    printf("r2: %d %.1f %s\n", r2.a, r2.b, r2.name);
    /* string building in a fixed buffer */
    char out[256];
    size_t pos = 0;
    for (int i = 0; i < 30 && pos < sizeof out - 8; i++) {
        const char *w = (i % 3 == 0) ? "fizz" : (i % 5 == 0) ? "buzz" : "n";
        size_t wl = strlen(w);
        memcpy(out + pos, w, wl);
        pos += wl;
        out[pos++] = i % 10 == 9 ? '\n' : ' ';
    }
    out[pos] = 0;
    fputs(out, stdout);
    uint64_t word;
    memcpy(&word, "ABCDEFGH", 8);
    printf("\nword=%016llx\n", (unsigned long long)word);
    return (int)(h % 256);
}
