/* glibc's backtrace() walks the stack with libgcc_s's unwinder, which must find the unwind tables
 * of JIT'd code: a C program does not otherwise bring libgcc_s into irjit's process. */
#include <execinfo.h>
#include <stdio.h>

#define DEPTH 6

static int __attribute__((noinline)) descend(int depth, void **frames, int size) {
    if (depth == 0)
        return backtrace(frames, size);
    int n = descend(depth - 1, frames, size);
    __asm__ volatile("" ::: "memory"); /* not a tail call */
    return n;
}

int main(void) {
    void *frames[64];
    int n = descend(DEPTH, frames, 64);
    /* The DEPTH + 1 calls of descend and main, at least; the frames below main differ. */
    printf("walked past main: %s\n", n >= DEPTH + 2 ? "yes" : "no");
    int distinct = 1;
    for (int i = 1; i < DEPTH + 2 && i < n; i++)
        if (frames[i] == frames[i - 1] && i > DEPTH)
            distinct = 0;
    printf("frames: %s\n", distinct ? "ok" : "repeated");
    return 0;
}
