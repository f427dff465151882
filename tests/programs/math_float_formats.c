#include <stdio.h>
#include <math.h>
#include <float.h>
#include <stdint.h>
#include <limits.h>

static volatile double vzero = 0.0;

int main(void) {
    double inf = 1.0 / vzero, nan_ = vzero / vzero;
    printf("inf=%f -inf=%f nan-is-nan=%d %e %g %a\n", inf, -inf, nan_ != nan_, inf, -inf, inf);
    printf("DBL_MAX=%g %a\nDBL_MIN=%g %a\nDBL_EPSILON=%g\nDBL_TRUE_MIN=%g %a\n", DBL_MAX, DBL_MAX, DBL_MIN, DBL_MIN,
           DBL_EPSILON, DBL_TRUE_MIN, DBL_TRUE_MIN);
    printf("FLT_MAX=%g FLT_MIN=%g FLT_EPSILON=%g\n", (double)FLT_MAX, (double)FLT_MIN, (double)FLT_EPSILON);
    double x = 0.1 + 0.2;
    printf("0.1+0.2=%.17g == 0.3? %d\n", x, x == 0.3);
    float f = 16777216.0f;
    volatile float one = 1.0f;
    printf("2^24+1 in float = %.1f\n", (double)(f + one));
    /* sums in different orders */
    double s1 = 0, s2 = 0;
    for (int i = 1; i <= 100000; i++) s1 += 1.0 / i;
    for (int i = 100000; i >= 1; i--) s2 += 1.0 / i;
    printf("harmonic fwd=%.17g bwd=%.17g diff=%a\n", s1, s2, s1 - s2);
    float fs = 0;
    for (int i = 0; i < 10000; i++) fs += 0.1f;
    printf("float sum of 0.1 x 10000 = %.9g\n", (double)fs);
    /* conversions */
    volatile double cv[] = {3.99, -3.99, 2147483647.0, -2147483648.0, 1e18, 0.5, -0.5};
    for (int i = 0; i < 7; i++)
        printf("(long)%g=%ld (int)(float)=%d (unsigned char)(int)%%=%u\n", cv[i], (long)cv[i],
               fabs(cv[i]) < 2e9 ? (int)(float)cv[i] : 0, (unsigned char)((long)cv[i] & 0xff));
    uint64_t big = UINT64_MAX;
    printf("(double)UINT64_MAX=%.1f (float)=%.1f (double)INT64_MIN=%.1f\n", (double)big, (double)(float)big,
           (double)INT64_MIN);
    volatile uint64_t u = 9007199254740993ULL;
    printf("2^53+1 -> %.1f; back %llu\n", (double)u, (unsigned long long)(double)u);
    volatile double d2 = 1e19;
    printf("(uint64)1e19=%llu\n", (unsigned long long)d2);
    /* denormals */
    double dn = DBL_MIN;
    for (int i = 0; i < 5; i++) { dn /= 1024; printf("denorm %d: %g %a\n", i, dn, dn); }
    printf("negzero: %g %f %e 1/-0=%f\n", -vzero, -vzero, -vzero, 1.0 / -vzero);
    /* %g trailing behaviours */
    double gs[] = {100000, 1000000, 1e-4, 1e-5, 123.456, 0.000123456, 1.0 / 3};
    for (int i = 0; i < 7; i++) printf("%g|%#g|%.3g|%.0e|%12.4e|%-12.2g|\n", gs[i], gs[i], gs[i], gs[i], gs[i], gs[i]);
    /* float printed through varargs promotion */
    float ff[] = {1.0f / 3, 1e-7f, 123456.7f, -0.0f};
    for (int i = 0; i < 4; i++) printf("float %.10f %a %g\n", (double)ff[i], (double)ff[i], (double)ff[i]);
    printf("fpclassify: %d %d %d %d %d\n", fpclassify(1.0 * one) == FP_NORMAL, fpclassify(vzero) == FP_ZERO,
           fpclassify(inf) == FP_INFINITE, fpclassify(nan_) == FP_NAN, fpclassify(DBL_MIN / 4 * one) == FP_SUBNORMAL);
    return (int)(s1 * 10);
}
