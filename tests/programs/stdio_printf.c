#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>

int main(void) {
    int vals[] = {0, 1, -1, 42, -42, 12345, INT_MAX, INT_MIN};
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        int v = vals[i];
        printf("[%d] [%5d] [%-5d] [%+d] [% d] [%05d] [%x] [%X] [%o] [%#x] [%#o] [%u]\n",
               v, v, v, v, v, v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v,
               (unsigned)v, (unsigned)v);
    }
    long long big = 9223372036854775807LL;
    unsigned long long ubig = 18446744073709551615ULL;
    printf("%lld %llu %llx %" PRId64 " %" PRIu32 "\n", big, ubig, ubig, (int64_t)-5, (uint32_t)4000000000u);
    printf("%hhd %hhu %hd %hu %ld %lu\n", (signed char)-3, (unsigned char)250, (short)-30000,
           (unsigned short)65000, -1234567890L, 3234567890UL);
    printf("%zu %td %jd\n", sizeof(long double), (ptrdiff_t)-7, (intmax_t)123456789);
    printf("[%c] [%3c] [%-3c]\n", 'A', 'b', 'c');
    printf("[%s] [%10s] [%-10s] [%.3s] [%*s] [%-*s] [%.*s]\n", "hello", "hi", "left", "truncate",
           6, "star", 6, "lstar", 2, "precision");
    double ds[] = {0.0, -0.0, 1.0, -1.5, 3.14159265358979, 1e-10, 123456789.125, 1e300, 2.5e-300, 0.1};
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        double d = ds[i];
        printf("%f|%.2f|%10.3f|%-10.1f|%+.0f|%e|%.3E|%g|%G|%.10g|%a|%A\n",
               d, d, d, d, d, d, d, d, d, d, d, d);
    }
    float f = 1.1f;
    printf("%f %.9g %a\n", f, f, f);
    printf("%#.0f %#g %#x %#o\n", 3.0, 2.0, 0u, 0u);
    printf("%%literal%% %5.1f%%\n", 99.5);
    printf("%08.3f|%-8.3f|%+08d|% 08d\n", -3.14159, 2.71828, 77, 77);
    int n = printf("count me\n");
    printf("printf returned %d\n", n);
    return 0;
}
