// OSR case: loops nested 3 deep in a function called once; the innermost loop is hot, the outer
// loop runs few times. Values defined in the outer body are used in the inner loops and after
// them, and loop-header values (bounds, seeds, phis) are redefined every outer iteration, so a
// transfer that reused values from an earlier outer iteration would print wrong checksums.
#include <stdio.h>

static unsigned long nest(int outer_n, int mid_n, int inner_n) {
    unsigned long total = 7;
    for (int o = 0; o < outer_n; o++) {
        unsigned long base = (unsigned long)o * 2654435761u + 11; /* outer-body values */
        int shift = (o % 5) + 1;
        double w = (double)(4 + o) / 4.0;
        unsigned long h = base ^ total; /* redefined each outer iteration */
        double dsum = 0;
        int odd_hits = 0;
        for (int m = 0; m < mid_n; m++) {
            unsigned long x = h ^ (unsigned long)m; /* inner header phi, fresh per middle iter */
            int lim = inner_n - (m & 7) * 3 - o; /* inner bound changes per m and o */
            for (int k = 0; k < lim; k++) {
                x = x * 6364136223846793005ul + base;
                h += (x >> (shift + 30)) & 0xffff;
                odd_hits += (int)(x >> 63);
            }
            double t = (double)(x & 0xfff) * w;
            dsum = dsum + t;
        }
        total = total * 31 + h + base + (unsigned long)dsum;
        printf("o=%d base=%lu shift=%d h=%lu dsum=%.3f odd=%d\n", o, base, shift, h, dsum, odd_hits);
    }
    return total;
}

/* A loop whose header values (start, stride, accumulator seed, modulus) are recomputed for every
   outer iteration; the hot inner loop is a while loop with a data-dependent trip count. */
static long restarting(int rounds) {
    long grand = 0;
    for (int r = 0; r < rounds; r++) {
        long start = 1000 + r * 37;
        long stride = (r * 7) % 5 + 1;
        long acc = r * 1000003L;
        unsigned mod = 1009u + (unsigned)r * 2u;
        long v = start;
        unsigned char tag = (unsigned char)(r * 41);
        while (v < start + 1000000L * stride) {
            acc += (v % mod) ^ tag;
            tag = (unsigned char)(tag + (acc & 1));
            v += stride;
        }
        printf("r=%d start=%ld stride=%ld mod=%u acc=%ld tag=%u v=%ld\n", r, start, stride, mod,
               acc, (unsigned)tag, v);
        grand = grand * 17 + acc;
    }
    return grand;
}

int main(void) {
    unsigned long t = nest(8, 250, 7000);
    long g = restarting(8);
    printf("total=%lu grand=%ld\n", t, g);
    return 0;
}
