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
    /* descend(1) to descend(DEPTH) each return to the same call site, so no address comes more
     * than DEPTH times in a row (fewer when tiering moved the function mid-recursion), and a walk
     * that went astray would fill the buffer. */
    int longest = 0, run = 1;
    for (int i = 1; i < n; i++) {
        run = frames[i] == frames[i - 1] ? run + 1 : 1;
        if (run > longest)
            longest = run;
    }
    printf("frames: %s\n", longest <= DEPTH && n < 64 ? "ok" : "astray");
    return 0;
}
