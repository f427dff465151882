// OSR case: stack memory live across a hot loop header. Locals whose address escapes (stored in
// globals by a non-inlined function and accessed through them during the loop), a struct local
// modified through a pointer in the loop, non-escaping locals, a VLA sized from argc-derived data,
// alloca() buffers, and a block-scoped VLA re-created on every iteration of a second hot loop.
#include <alloca.h>
#include <stdio.h>
#include <string.h>

struct Acc {
    long sum;
    unsigned cnt;
    unsigned char last;
    double avg;
};

static int *g_counter;
static struct Acc *g_acc;

__attribute__((noinline)) static void register_locals(int *counter, struct Acc *acc) {
    g_counter = counter;
    g_acc = acc;
}

__attribute__((noinline)) static int bump(unsigned v) {
    *g_counter += (int)(v & 7);
    g_acc->last = (unsigned char)v;
    return *g_counter & 0xff;
}

int main(int argc, char **argv) {
    int n = 37 + argc * 5 + (int)strlen(argv[argc - 1]) % 3; /* argc-derived size */
    long vla[n];
    for (int k = 0; k < n; k++) vla[k] = k * 3 - n;
    int m = 64 + n % 13;
    unsigned char *buf = alloca((size_t)m);
    memset(buf, 0x5a, (size_t)m);

    int counter = argc;   /* escapes through register_locals */
    struct Acc acc = {0, 0, 0, 0.0};
    struct Acc *pa = &acc; /* the struct is updated through this pointer in the loop */
    register_locals(&counter, &acc);
    int local[8] = {1, 2, 3, 4, 5, 6, 7, 8}; /* address never escapes */
    unsigned state = 2463534242u + (unsigned)n;
    long bumps = 0;

    for (int i = 0; i < 8000000; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        int j = (int)(state % (unsigned)n);
        vla[j] += (long)(state & 0xff) - 127;
        buf[i % m] = (unsigned char)(buf[i % m] + (state >> 24));
        local[i & 7] ^= (int)(state >> 20);
        pa->sum += vla[j] & 0xffff;
        pa->cnt++;
        if ((state & 63) == 0) bumps += bump(state >> 8);
        if ((i & 65535) == 0) {
            double t = (double)pa->sum / (double)pa->cnt;
            pa->avg = pa->avg + t;
            pa->sum ^= counter; /* direct read of the escaped local */
        }
    }

    /* Second loop: a block-scoped VLA re-created (stacksave/stackrestore) every iteration. */
    unsigned long scratch_hash = 0;
    for (int i = 0; i < 300000; i++) {
        int len = 3 + (i + counter) % 7;
        unsigned tmp[len];
        for (int k = 0; k < len; k++) tmp[k] = (unsigned)vla[(i + k) % n] ^ buf[k % m];
        for (int k = 0; k < len; k++) scratch_hash = scratch_hash * 131 + tmp[k];
        *g_counter += len & 1;
    }

    unsigned long vsum = 0;
    for (int k = 0; k < n; k++) vsum = vsum * 7 + (unsigned long)vla[k];
    unsigned long bh = 5381;
    for (int k = 0; k < m; k++) bh = bh * 33 + buf[k];
    printf("n=%d m=%d counter=%d bumps=%ld state=%u\n", n, m, counter, bumps, state);
    printf("acc: sum=%ld cnt=%u last=%u avg=%.4f\n", acc.sum, acc.cnt, (unsigned)acc.last, acc.avg);
    printf("local=%d,%d,%d,%d,%d,%d,%d,%d\n", local[0], local[1], local[2], local[3], local[4],
           local[5], local[6], local[7]);
    printf("vsum=%lu bufhash=%lu scratch=%lu\n", vsum, bh, scratch_hash);
    return 0;
}
