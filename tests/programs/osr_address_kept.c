// OSR case: locals whose address is passed to functions before a hot loop. A continuation may
// copy such a variable into one of its own only when no function kept the address; here most of
// them do, in ways a shallow look misses, and the loop then reaches the variable both directly
// and through the kept pointer, so a wrong copy changes the output:
//   - kept two calls down, behind each callee's own copy of its parameter;
//   - returned by the callee, and the result kept by the caller;
//   - written into a heap block the callee allocates;
//   - written into a struct local of the callee whose address is passed on;
//   - kept on the way down by a recursive function.
// The last variables are only read and written by helpers that keep nothing: those may be copied.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long *g_deep;
static long *g_returned;
static long **g_heap;
static long *g_through_struct;
static long *g_recursive;

__attribute__((noinline)) static void keep_deep2(long *p) { g_deep = p; }
__attribute__((noinline)) static void keep_deep1(long *p) {
    long *q = p;
    keep_deep2(q);
}

__attribute__((noinline)) static long *pass_back(long *p) { return p + 0; }

__attribute__((noinline)) static void keep_in_heap(long *p) {
    g_heap = malloc(sizeof *g_heap);
    *g_heap = p;
}

struct holder {
    long *p;
    int tag;
};
__attribute__((noinline)) static void take_holder(struct holder *h) { g_through_struct = h->p; }
__attribute__((noinline)) static void keep_through_struct(long *p) {
    struct holder h = {p, 1};
    take_holder(&h);
}

__attribute__((noinline)) static void keep_recursive(long *p, int depth) {
    if (depth == 0) {
        g_recursive = p;
        return;
    }
    keep_recursive(p, depth - 1);
}

// Keep nothing: they read and write through the pointer, and pass it on to each other.
__attribute__((noinline)) static void add_to(long *p, long v) { *p += v; }
__attribute__((noinline)) static long mix(long *p, long *q, long v) {
    add_to(p, v);
    long *r = q;
    *r ^= *p >> 3;
    return *p + *r;
}

struct stats {
    long sum;
    long max;
    unsigned n;
};
__attribute__((noinline)) static void stats_add(struct stats *s, long v) {
    s->sum += v;
    if (v > s->max)
        s->max = v;
    s->n++;
}

int main(int argc, char **argv) {
    long deep = 1, returned = 2, heap = 3, through_struct = 4, recursive = 5;
    long plain_a = 6, plain_b = 7;
    struct stats st = {0, 0, 0};
    char line[64];

    keep_deep1(&deep);
    g_returned = pass_back(&returned);
    keep_in_heap(&heap);
    keep_through_struct(&through_struct);
    keep_recursive(&recursive, 3 + argc);
    add_to(&plain_a, argc);
    stats_add(&st, argc);

    long check = 0;
    int rounds = 3000000 + argc;
    for (int i = 0; i < rounds; i++) {
        // Through the kept pointers...
        *g_deep += i & 3;
        *g_returned ^= i;
        **g_heap += (i >> 4) & 1;
        *g_through_struct -= i & 1;
        *g_recursive += *g_deep & 1;
        // ...and directly.
        check += deep + returned + heap + through_struct + recursive;
        deep ^= 1;
        recursive -= 1;
        check += mix(&plain_a, &plain_b, i & 15);
        stats_add(&st, i % 1000);
        if ((i & 0xfffff) == 0) {
            snprintf(line, sizeof line, "%d %ld\n", i, check);
            fputs(line, stdout);
        }
    }
    printf("deep %ld returned %ld heap %ld struct %ld recursive %ld\n", deep, returned, heap,
           through_struct, recursive);
    printf("plain %ld %ld stats %ld %ld %u check %ld\n", plain_a, plain_b, st.sum, st.max, st.n,
           check);
    free(g_heap);
    return (int)(check & 63);
}
