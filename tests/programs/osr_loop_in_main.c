// OSR case: all hot work is in main (entered once): two long loops whose headers carry int, long,
// double and unsigned char scalars plus an array local; values computed before the loops are used
// inside and after them. Every live value feeds the printed checksums.
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    (void)argv;
    unsigned char hist[256];
    long table[16];
    memset(hist, 0, sizeof hist);
    int seed = 12345 + argc * 77;            /* defined before the loop, used after it */
    long before = (long)seed * 7919 - 3;
    double scale = 1.0 / (double)(argc + 6);
    unsigned int state = (unsigned)seed;
    for (int k = 0; k < 16; k++) table[k] = (long)k * k + before;

    int i_acc = seed;
    long l_acc = before;
    double d_acc = 0.25;
    unsigned char c_acc = 17;
    short s_acc = -5;
    const int n1 = 10000000;
    int i = 0;
    for (; i < n1; i++) {
        state = state * 1103515245u + 12345u;
        unsigned r = state >> 16;
        i_acc ^= (int)(r + (unsigned)i);
        i_acc = (int)(((unsigned)i_acc << 1) | ((unsigned)i_acc >> 31));
        long term = (long)(r & 0xff) * (i & 15);
        l_acc += term - table[r & 15];
        table[i & 15] += r & 7;
        hist[r & 255]++; /* wraps mod 256 */
        c_acc = (unsigned char)(c_acc * 3 + (r & 0x1f));
        s_acc = (short)(s_acc + (short)(r & 3) - 1);
        if ((i & 255) == 0) {
            double t = (double)(r & 0xffff) * scale;
            d_acc = d_acc + t;
        }
    }

    /* Second loop: data-dependent exit, counter declared outside, mutable array. */
    long steps = 0;
    unsigned long collatz_sum = 0;
    unsigned long x = (unsigned long)(l_acc & 0xffff) | 1;
    double d2 = d_acc;
    while (steps < 8000000) {
        if (x == 1) x = (unsigned long)(steps * 2654435761u % 1000003u) + 27;
        x = (x & 1) ? 3 * x + 1 : x / 2;
        collatz_sum += x ^ (unsigned long)steps;
        hist[(x + (unsigned long)steps) & 255] += (unsigned char)(x & 3);
        if ((steps & 1023) == 0) {
            double t = (double)(x & 1023) / 1024.0;
            d2 = d2 - t;
        }
        steps++;
    }

    unsigned long h = 1469598103934665603ul;
    for (int k = 0; k < 256; k++) h = (h ^ hist[k]) * 1099511628211ul;
    long tsum = 0;
    for (int k = 0; k < 16; k++) tsum += table[k] * (k + 1);
    printf("seed=%d before=%ld scale=%.6f\n", seed, before, scale);
    printf("i=%d i_acc=%d l_acc=%ld d_acc=%.6f c_acc=%u s_acc=%d state=%u\n",
           i, i_acc, l_acc, d_acc, (unsigned)c_acc, (int)s_acc, state);
    printf("steps=%ld x=%lu collatz_sum=%lu d2=%.6f\n", steps, x, collatz_sum, d2);
    printf("hist_hash=%lu table_sum=%ld\n", h, tsum);
    return (int)(h & 0x3f) == 0x40; /* always 0, but depends on h */
}
