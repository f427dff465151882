#include <stdio.h>
#include <stdint.h>
#include <strings.h>

static int popcount_naive(uint64_t x) { int c = 0; while (x) { c += (int)(x & 1); x >>= 1; } return c; }

int main(void) {
    volatile uint64_t seed = 0x243F6A8885A308D3ULL;
    uint64_t x = seed;
    int mismatches = 0;
    unsigned long long agg = 0;
    for (int i = 0; i < 1000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint32_t lo = (uint32_t)x;
        int pc = __builtin_popcountll(x);
        if (pc != popcount_naive(x)) mismatches++;
        agg += (unsigned long long)pc + (unsigned long long)__builtin_clzll(x | 1) * 3 +
               (unsigned long long)__builtin_ctzll(x | (1ULL << 63)) * 5 +
               (unsigned long long)__builtin_popcount(lo) + (unsigned long long)__builtin_parityll(x);
    }
    printf("agg=%llu mismatches=%d\n", agg, mismatches);
    uint32_t vals[] = {1, 2, 3, 0x80000000u, 0xffffffffu, 0x00f00000u, 12345678u};
    for (int i = 0; i < 7; i++) {
        uint32_t v = vals[i];
        printf("v=%08x pop=%d clz=%d ctz=%d ffs=%d clrsb=%d parity=%d bswap=%08x\n", v, __builtin_popcount(v),
               __builtin_clz(v), __builtin_ctz(v), __builtin_ffs((int)v), __builtin_clrsb((int)v), __builtin_parity(v),
               __builtin_bswap32(v));
    }
    printf("ffs(0)=%d ffsll(1<<40)=%d\n", __builtin_ffs(0), __builtin_ffsll(1LL << 40));
    printf("bswap16=%04x bswap64=%016llx\n", __builtin_bswap16(0x1234), (unsigned long long)__builtin_bswap64(0x0102030405060708ULL));
    uint32_t r = 0x12345678u;
    for (int k = 1; k < 32; k += 7) printf("rotl %d: %08x rotr: %08x\n", k, (r << k) | (r >> (32 - k)), (r >> k) | (r << (32 - k)));
    printf("rotateleft64=%016llx\n", (unsigned long long)__builtin_rotateleft64(0x8000000000000001ULL, 4));
    /* bit reversal */
    uint32_t rev = __builtin_bitreverse32(0x00000001u);
    printf("bitreverse32(1)=%08x bitreverse8(0x0f)=%02x\n", rev, __builtin_bitreverse8(0x0f));
    /* next power of two via clz */
    for (uint32_t v = 3; v < 2000; v = v * 5 + 1) printf("np2(%u)=%u ", v, 1u << (32 - __builtin_clz(v - 1)));
    printf("\n");
    printf("expect: %ld\n", __builtin_expect((long)mismatches, 0));
    return (int)(agg % 256);
}
