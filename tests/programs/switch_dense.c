#include <stdio.h>

/* A dense switch with 256 cases (plus default), each computing something different. */
#define C1(n) case n: return (x * ((n) % 13 + 1)) ^ ((n) * 2654435761u) ^ ((x >> ((n) % 7)) + (n));
#define C4(n) C1(n) C1(n + 1) C1(n + 2) C1(n + 3)
#define C16(n) C4(n) C4(n + 4) C4(n + 8) C4(n + 12)
#define C64(n) C16(n) C16(n + 16) C16(n + 32) C16(n + 48)

static unsigned dispatch(unsigned op, unsigned x) {
    switch (op) {
        C64(0)
        C64(64)
        C64(128)
        C64(192)
    default:
        return x + op;
    }
}

/* A second dense switch returning strings (lookup-table friendly). */
static const char *name_of(int v) {
    switch (v) {
    case 0: return "zero"; case 1: return "one"; case 2: return "two"; case 3: return "three";
    case 4: return "four"; case 5: return "five"; case 6: return "six"; case 7: return "seven";
    case 8: return "eight"; case 9: return "nine"; case 10: return "ten"; case 11: return "eleven";
    case 12: return "twelve"; case 13: return "thirteen"; case 14: return "fourteen"; case 15: return "fifteen";
    default: return "many";
    }
}

/* A sparse switch for contrast. */
static int sparse(int v) {
    switch (v) {
    case -1000: return 1; case 3: return 2; case 77: return 3; case 1024: return 4;
    case 99999: return 5; case 123456789: return 6; case -5: return 7;
    default: return 0;
    }
}

/* fallthrough-heavy switch (Duff's device style copy) */
static void duff_copy(char *to, const char *from, int count) {
    int n = (count + 7) / 8;
    switch (count % 8) {
    case 0: do { *to++ = *from++;
    case 7:      *to++ = *from++;
    case 6:      *to++ = *from++;
    case 5:      *to++ = *from++;
    case 4:      *to++ = *from++;
    case 3:      *to++ = *from++;
    case 2:      *to++ = *from++;
    case 1:      *to++ = *from++;
            } while (--n > 0);
    }
}

int main(void) {
    unsigned acc = 0;
    for (unsigned i = 0; i < 300; i++) {
        unsigned r = dispatch(i, acc + i * 7);
        acc = acc * 31 + r;
        if (i % 37 == 0) printf("op %3u -> %08x\n", i, r);
    }
    printf("acc=%08x\n", acc);
    for (int i = 0; i < 18; i += 3) printf("%s ", name_of(i));
    printf("\n");
    int vals[] = {-1000, 3, 4, 77, 1024, 99999, 123456789, -5, 0};
    int s = 0;
    for (int i = 0; i < 9; i++) s = s * 10 + sparse(vals[i]);
    printf("sparse=%d\n", s);
    char dst[40] = {0};
    duff_copy(dst, "Duff's device copies this string!", 33);
    printf("%s\n", dst);
    return (int)(acc % 256);
}
