// OSR case: a recursive function whose every activation runs a hot loop. Each level recurses from
// inside its loop (mid-way, so the caller's loop state is live across the nested activation's
// own hot loop) and some levels recurse again after the loop; results are combined across levels.
#include <stdio.h>

static unsigned long level_sum[8];
static int calls;

static unsigned long rec(int depth, unsigned long seed, int n) {
    int id = calls++;
    unsigned long acc = seed ^ 0x9e3779b97f4a7c15ul;
    unsigned int lcg = (unsigned int)seed | 1u;
    long signed_acc = -(long)depth;
    double d = depth + 0.5;
    unsigned long child = 0;
    for (int i = 0; i < n; i++) {
        lcg = lcg * 1664525u + 1013904223u;
        acc += (acc << 7) ^ (acc >> 3) ^ lcg;
        signed_acc += (long)(lcg >> 28) - 7;
        if ((i & 4095) == 0) {
            double t = (double)(lcg & 0xff) / 256.0;
            d = d + t;
        }
        if (i == n / 2 && depth > 0) {
            child = rec(depth - 1, acc + (unsigned long)i, n);
            acc ^= child;
        }
    }
    unsigned long after = 0;
    if (depth > 0 && depth % 2 == 0) after = rec(depth - 1, acc, n / 8);
    unsigned long result = acc + after * 3 + (unsigned long)signed_acc + (unsigned long)d;
    level_sum[depth] += result;
    printf("%*sdepth=%d id=%d n=%d acc=%lu signed=%ld d=%.4f lcg=%u child=%lu after=%lu\n",
           2 * (6 - depth), "", depth, id, n, acc, signed_acc, d, lcg, child, after);
    return result;
}

/* Mutual recursion, each side looping: a() loops then calls b(), which loops then calls a(). */
static long mb(int depth, long x);
static long ma(int depth, long x) {
    long s = x;
    for (int i = 0; i < 250000; i++) s = (s * 31 + i) % 1000000007L;
    return depth ? mb(depth - 1, s) + s % 1000 : s;
}
static long mb(int depth, long x) {
    long s = x;
    unsigned char c = (unsigned char)depth;
    for (int i = 0; i < 200000; i++) {
        s ^= (long)c << (i & 15);
        c = (unsigned char)(c * 5 + 1);
    }
    return depth ? ma(depth - 1, s) ^ (long)c : s + c;
}

int main(void) {
    unsigned long r = rec(6, 12345, 1600000);
    printf("calls=%d result=%lu\n", calls, r);
    unsigned long combined = 0;
    for (int k = 0; k <= 6; k++) {
        printf("level %d sum=%lu\n", k, level_sum[k]);
        combined = combined * 1000003u + level_sum[k];
    }
    printf("combined=%lu mutual=%ld\n", combined, ma(5, 42));
    return 0;
}
