#include <stdio.h>

/* 100000 frames deep; the frame is kept small (about 32 bytes at -O0) so the whole
   recursion needs roughly 3 MB of the 8 MB stack. */
static long depth_sum(long n) {
    if (n == 0) return 0;
    return depth_sum(n - 1) + n % 7;
}

/* Fewer but fatter frames, with a side effect after the call so it is not a loop. */
static long fat_frames(int n, volatile long *sink) {
    long local[16];
    for (int i = 0; i < 16; i++) local[i] = (long)n * i;
    if (n == 0) return 0;
    long r = fat_frames(n - 1, sink) + local[n % 16] % 11;
    *sink += local[1] & 1;
    return r;
}

static unsigned ackermann(unsigned m, unsigned n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int max_depth;
static int count_paths(int x, int y, int d) {
    if (d > max_depth) max_depth = d;
    if (x == 0 || y == 0) return 1;
    return (count_paths(x - 1, y, d + 1) + count_paths(x, y - 1, d + 1)) % 1000007;
}

int main(void) {
    volatile long sink = 0;
    long r = depth_sum(100000);
    printf("depth_sum(100000)=%ld\n", r);
    long f = fat_frames(20000, &sink);
    printf("fat_frames(20000)=%ld sink=%ld\n", f, (long)sink);
    printf("ackermann(2,3)=%u ackermann(3,5)=%u\n", ackermann(2, 3), ackermann(3, 5));
    printf("fib(27)=%ld\n", fib(27));
    int paths = count_paths(10, 10, 0);
    printf("paths(10,10)=%d max_depth=%d\n", paths, max_depth);
    return (int)(r % 256);
}
