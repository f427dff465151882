#include <stdio.h>
#include <math.h>
#include <float.h>

static long double factorial(int n) { return n <= 1 ? 1.0L : n * factorial(n - 1); }

int main(void) {
    volatile long double two = 2.0L;
    long double r = sqrtl(two);
    printf("sqrtl(2)=%.18Lf\n%La\n%.20Lg\n", r, r, r);
    printf("LDBL_EPSILON=%Lg LDBL_MANT_DIG=%d sizeof=%zu\n", LDBL_EPSILON, LDBL_MANT_DIG, sizeof(long double));
    long double x = 1.0L;
    int bits = 0;
    while (1.0L + x / 2 != 1.0L) { x /= 2; bits++; }
    printf("epsilon loop bits=%d eps=%Lg\n", bits, x);
    printf("20! = %.0Lf\n25! = %.0Lf\n", factorial(20), factorial(25));
    long double e = 0, term = 1;
    for (int i = 1; i < 30; i++) { e += term; term /= i; }
    printf("e approx = %.19Lf\n", e);
    long double pi = 0;
    for (int k = 0; k < 100000; k++) pi += (k % 2 ? -4.0L : 4.0L) / (2 * k + 1);
    printf("leibniz pi = %.15Lf\n", pi);
    double d = (double)(1.0L / 3.0L);
    long double back = d;
    printf("1/3 ld=%.21Lf via double=%.21Lf diff=%Le\n", 1.0L / 3.0L, back, 1.0L / 3.0L - back);
    volatile long double v = 123.456L;
    printf("floorl=%Lf ceill=%Lf roundl=%Lf fabsl=%Lf fmodl=%Lf\n", floorl(v), ceill(v), roundl(-v), fabsl(-v),
           fmodl(v, 10.0L));
    printf("expl(1)=%.18Lf logl(10)=%.18Lf powl=%.10Lf\n", expl(v / v), logl(v / v * 10), powl(two, 0.5L));
    printf("sinl(1)=%.18Lf cosl(1)=%.18Lf\n", sinl(v / v), cosl(v / v));
    long long ll = (long long)(v * 1000);
    unsigned long long big = 18446744073709551615ULL;
    long double bl = big;
    printf("ll=%lld big as ld=%.1Lf back=%llu\n", ll, bl, (unsigned long long)bl);
    long double arr[5] = {3.5L, -1.25L, 1e100L, 1e-100L, 7.0L};
    long double sum = 0;
    for (int i = 0; i < 5; i++) sum += arr[i];
    printf("sum=%Le\n", sum);
    printf("LDBL_MAX=%Lg LDBL_MIN=%Lg\n", LDBL_MAX, LDBL_MIN);
    return bits;
}
