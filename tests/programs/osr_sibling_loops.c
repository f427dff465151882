// OSR case: one function whose two sibling loops, inside an outer one, get hot together (the
// shape of an interpreter whose calls and returns loop separately), and which also starts anew
// from a callback (qsort's comparator) while an earlier call of it is still running. One
// continuation enters at either loop; a transfer that mixed up the loops' values would print
// wrong checksums.
#include <stdio.h>
#include <stdlib.h>

static int code[512];
static long depth_total;

static long vm(int n, int rounds, int depth);

static int compare(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    /* A new call of vm, entered while the outer one runs in its loops. */
    if (((x ^ y) & 63) == 0)
        depth_total += vm(64, 3, 0) & 0xff;
    return (x > y) - (x < y);
}

static long vm(int n, int rounds, int depth) {
    long acc = 1, calls = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++) /* "calls" */
            acc = acc * 31 + code[i] + r;
        int j = 0;
        while (j < n) { /* "returns": a different step each time */
            acc ^= acc >> 3;
            j += 1 + (int)(acc & 3);
            calls++;
        }
        if (depth > 0 && r % 200 == 0) {
            int keys[48];
            for (int k = 0; k < 48; k++)
                keys[k] = (int)((acc >> (k % 40)) & 0xffff) + k;
            qsort(keys, 48, sizeof keys[0], compare);
            acc += keys[0] + keys[47];
        }
    }
    return acc + calls;
}

int main(void) {
    for (int i = 0; i < 512; i++)
        code[i] = (i * 7919) % 1000;
    long result = vm(512, 40000, 1);
    printf("vm: %ld\n", result);
    printf("nested: %ld\n", depth_total);
    return (int)(result & 0x3f);
}
