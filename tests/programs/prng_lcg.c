#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static uint32_t lcg_state = 12345;
static uint32_t lcg(void) { lcg_state = lcg_state * 1103515245u + 12345u; return (lcg_state >> 16) & 0x7fff; }

static uint64_t xs = 88172645463325252ULL;
static uint64_t xorshift64(void) { xs ^= xs << 13; xs ^= xs >> 7; xs ^= xs << 17; return xs; }

static uint64_t pcg_state = 0x853c49e6748fea9bULL;
static uint32_t pcg32(void) {
    uint64_t old = pcg_state;
    pcg_state = old * 6364136223846793005ULL + 1442695040888963407ULL;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

int main(void) {
    printf("lcg:");
    for (int i = 0; i < 8; i++) printf(" %u", lcg());
    printf("\nxorshift64:");
    for (int i = 0; i < 4; i++) printf(" %016llx", (unsigned long long)xorshift64());
    printf("\npcg32:");
    for (int i = 0; i < 6; i++) printf(" %08x", pcg32());
    printf("\n");
    srand(42);
    printf("rand after srand(42):");
    for (int i = 0; i < 8; i++) printf(" %d", rand());
    printf("\n");
    /* histogram of dice rolls: must be identical run to run */
    int hist[6] = {0};
    for (int i = 0; i < 60000; i++) hist[rand() % 6]++;
    printf("dice:");
    for (int i = 0; i < 6; i++) printf(" %d", hist[i]);
    printf("\n");
    /* monte carlo pi with integer arithmetic */
    long inside = 0, total = 200000;
    for (long i = 0; i < total; i++) {
        uint64_t x = xorshift64() >> 40, y = xorshift64() >> 40;
        if (x * x + y * y < (1ULL << 48)) inside++;
    }
    printf("pi approx %.5f (%ld/%ld)\n", 4.0 * (double)inside / (double)total, inside, total);
    /* Fisher-Yates shuffle */
    int deck[20];
    for (int i = 0; i < 20; i++) deck[i] = i;
    for (int i = 19; i > 0; i--) {
        int j = (int)(pcg32() % (uint32_t)(i + 1));
        int t = deck[i]; deck[i] = deck[j]; deck[j] = t;
    }
    printf("shuffled:");
    for (int i = 0; i < 20; i++) printf(" %d", deck[i]);
    printf("\n");
    srand(42);
    int first = rand();
    srand(42);
    printf("reseed reproduces: %d\n", first == rand());
    return deck[0];
}
