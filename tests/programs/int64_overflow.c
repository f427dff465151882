#include <stdio.h>
#include <stdint.h>
#include <limits.h>
#include <inttypes.h>

int main(void) {
    volatile int64_t a = INT64_MAX, b = 1, c = INT64_MIN;
    int64_t r;
    printf("add_overflow(MAX,1)=%d", __builtin_add_overflow(a, b, &r));
    printf(" result=%" PRId64 "\n", r);
    printf("sub_overflow(MIN,1)=%d", __builtin_sub_overflow(c, b, &r));
    printf(" result=%" PRId64 "\n", r);
    printf("mul_overflow(MAX,2)=%d", __builtin_mul_overflow(a, (int64_t)2, &r));
    printf(" result=%" PRId64 "\n", r);
    int32_t r32;
    printf("add to int32 from int64: %d", __builtin_add_overflow((int64_t)0x7fffffff, (int64_t)b, &r32));
    printf(" result=%d\n", r32);
    uint8_t u8;
    int o8 = __builtin_add_overflow(200, 100, &u8);
    printf("uint8 add: %d %u\n", o8, u8);
    unsigned long long ull;
    int oul = __builtin_umulll_overflow(0x100000000ULL, 0x100000000ULL, &ull);
    printf("umul: %d %llu\n", oul, ull);
    printf("sadd ok: %d\n", __builtin_sadd_overflow(1000, 2000, &r32) == 0 && r32 == 3000);
    /* checked factorial: find the first overflow */
    int64_t f = 1;
    int n;
    for (n = 1; n < 30; n++) {
        int64_t nf;
        if (__builtin_mul_overflow(f, (int64_t)n, &nf)) break;
        f = nf;
    }
    printf("largest factorial in int64: %d! = %" PRId64 "\n", n - 1, f);
    /* unsigned wraparound is defined */
    uint64_t u = 0;
    u -= 1;
    printf("0-1 as uint64 = %" PRIu64 " hex %" PRIx64 "\n", u, u);
    uint32_t h = 2166136261u;
    for (int i = 0; i < 1000; i++) h = (h ^ (uint32_t)i) * 16777619u;
    printf("fnv1a-ish=%08" PRIx32 "\n", h);
    /* 64-bit division and modulo with negatives */
    int64_t vals[] = {7, -7, INT64_MAX, INT64_MIN + 1, 1000000000000LL};
    int64_t divs[] = {2, -2, 3, -1000003};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            printf("%" PRId64 "/%" PRId64 "=%" PRId64 " %%=%" PRId64 "%s", vals[i], divs[j], vals[i] / divs[j],
                   vals[i] % divs[j], j == 3 ? "\n" : "  ");
    uint64_t x = 0xDEADBEEFCAFEBABEULL;
    printf("u64 ops: %" PRIu64 " %" PRIu64 " %" PRIx64 " %" PRIx64 "\n", x / 12345, x % 12345, x >> 17, (uint64_t)(x * 0x9E3779B97F4A7C15ULL));
    int64_t s = -123456789012345LL;
    printf("shift right of negative (arith): %" PRId64 "\n", s >> 7);
    /* mixing signed/unsigned comparisons explicitly */
    unsigned int ui = 1;
    int si = -1;
    printf("(unsigned)-1 > 1: %d; (long)-1 < 1: %d\n", (unsigned)si > ui, (long)si < (long)ui);
    /* saturating add via overflow builtin */
    int32_t acc = 0;
    for (int i = 0; i < 100; i++) {
        if (__builtin_add_overflow(acc, 50000000, &acc)) { acc = INT32_MAX; break; }
    }
    printf("saturated acc=%d\n", acc);
    return n;
}
