// OSR case: variadic functions with hot loops. vmix() calls va_arg inside its hot loop, consuming
// 10 ints and 10 doubles (some in registers, some on the stack) progressively, re-reading them via
// va_copy on each outer pass. vlist() keeps a va_list from before its loop live across the loop
// header, copies it inside the loop for a va_list-taking helper and vsnprintf, and advances it.
#include <stdarg.h>
#include <stdio.h>

static double vmix(int count, ...) {
    va_list ap;
    va_start(ap, count);
    double total = 0;
    unsigned long h = 14695981039346656037ul;
    for (int pass = 0; pass < 4; pass++) {
        va_list cp;
        va_copy(cp, ap);
        int next = 0, cur_i = pass;
        double cur_d = 1.0;
        const int n = 5000000, period = n / count;
        for (int i = 0; i < n; i++) {
            if (i % period == 0 && next < count) {
                if (next % 2 == 0) cur_i = va_arg(cp, int);
                else cur_d = va_arg(cp, double);
                next++;
            }
            h = (h ^ (unsigned long)(cur_i + i + pass)) * 1099511628211ul;
            if ((i & 1023) == 0) {
                double t = cur_d * (double)(h & 0xff);
                total = total + t;
            }
        }
        va_end(cp);
        printf("pass %d: next=%d cur_i=%d cur_d=%.3f h=%lu total=%.3f\n", pass, next, cur_i, cur_d,
               h, total);
    }
    va_end(ap);
    return total + (double)(h & 0xffff);
}

__attribute__((noinline)) static long sum_from(int n, va_list ap) {
    long s = 0;
    for (int k = 0; k < n; k++) s = s * 3 + va_arg(ap, int);
    return s;
}

static unsigned long vlist(const char *fmt, int n, ...) {
    va_list ap;
    va_start(ap, n); /* obtained before the loop */
    unsigned long acc = 0;
    int first = -1, second = -1, have = n;
    char buf[128];
    unsigned st = 99;
    for (int i = 0; i < 5000000; i++) {
        st = st * 69069u + 1u;
        acc += st >> 7;
        if ((i & 4095) == 0) {
            va_list cp;
            va_copy(cp, ap);
            acc ^= (unsigned long)sum_from(have, cp);
            va_end(cp);
        }
        if ((i & 262143) == 0) {
            va_list cp;
            va_copy(cp, ap);
            int len = vsnprintf(buf, sizeof buf, fmt, cp);
            va_end(cp);
            for (int k = 0; k < len; k++) acc = acc * 31 + (unsigned char)buf[k];
            printf("i=%d buf=\"%s\"\n", i, buf);
        }
        /* Advance the original va_list mid-loop: later copies start further on. */
        if (i == 1700000) first = va_arg(ap, int), have--;
        if (i == 3400000) second = va_arg(ap, int), have--;
    }
    int third = va_arg(ap, int);
    va_end(ap);
    printf("vlist: acc=%lu st=%u first=%d second=%d third=%d have=%d\n", acc, st, first, second,
           third, have);
    return acc;
}

int main(void) {
    double r = vmix(20, 11, 1.5, 22, 2.25, 33, 3.125, 44, 4.0625, 55, 5.5, 66, 6.75, 77, 7.875,
                    88, 8.5, 99, 9.25, 110, 10.125);
    printf("vmix=%.4f\n", r);
    unsigned long v = vlist("%d %d %d %d %d %d %d %d", 8, 101, 202, 303, 404, 505, 606, 707, 808,
                            909, 1010);
    printf("vlist=%lu\n", v);
    return 0;
}
