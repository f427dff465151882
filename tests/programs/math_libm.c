#include <stdio.h>
#include <math.h>

/* Inputs go through a volatile array so the compiler cannot constant-fold libm calls. */
static volatile double inputs[] = {0.0, 0.5, 1.0, -1.0, 2.0, 3.14159265358979, 10.0, -7.25, 100.5, 1e-5};
#define N (sizeof inputs / sizeof inputs[0])

int main(void) {
    double acc = 0;
    for (unsigned i = 0; i < N; i++) {
        double x = inputs[i];
        double s = sin(x), c = cos(x), t = tan(x), e = exp(x / 4), ax = fabs(x);
        printf("x=%-10g sin=%.6f cos=%.6f tan=%.6f exp(x/4)=%.6f sqrt|x|=%.6f\n", x, s, c, t, e, sqrt(ax));
        if (ax > 0) printf("   log|x|=%.6f log10|x|=%.6f log2|x|=%.6f cbrt=%.6f\n", log(ax), log10(ax), log2(ax), cbrt(x));
        printf("   atan=%.6f atan2(x,2)=%.6f sinh=%.6f tanh=%.6f hypot(x,3)=%.6f\n", atan(x), atan2(x, 2.0), sinh(x / 10),
               tanh(x), hypot(x, 3.0));
        acc += s * c + e;
    }
    printf("acc=%.9g\n", acc);
    volatile double b = 2.0, p = 0.5;
    printf("pow: %.6f %.6f %.6f %.6f\n", pow(b, 10.0), pow(b, p), pow(10.0, -(double)b), pow(-b, 3.0));
    double fm[][2] = {{10.5, 3}, {-10.5, 3}, {7, -2.5}, {1e10, 7}};
    for (int i = 0; i < 4; i++) {
        volatile double x = fm[i][0], y = fm[i][1];
        printf("fmod(%g,%g)=%a remainder=%a\n", x, y, fmod(x, y), remainder(x, y));
    }
    double vals[] = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4999, -3.7, 1e15 + 0.5};
    printf("%10s %6s %6s %6s %6s %6s %6s %6s\n", "x", "floor", "ceil", "round", "trunc", "rint", "nearby", "lround");
    for (int i = 0; i < 9; i++) {
        volatile double x = vals[i];
        printf("%10.4f %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f %6ld\n", x, floor(x), ceil(x), round(x), trunc(x), rint(x),
               nearbyint(x), lround(x));
    }
    double fr[] = {8.0, 0.3, -1234.5678, 1e-310};
    for (int i = 0; i < 4; i++) {
        int ex;
        volatile double x = fr[i];
        double m = frexp(x, &ex);
        printf("frexp(%g) = %a * 2^%d; ldexp back = %g; ldexp(1,%d)=%a\n", x, m, ex, ldexp(m, ex), -ex, ldexp(1.0, -ex));
        double ip, fp = modf(x, &ip);
        printf("   modf: int=%g frac=%.6f logb=%g ilogb=%d\n", ip, fp, logb(x), ilogb(x));
    }
    printf("sqrt(2)=%a %.17g %g\n", sqrt((double)b), sqrt((double)b), sqrt((double)b));
    printf("copysign=%g fmax=%g fmin=%g fdim=%g\n", copysign(3.0, -0.0), fmax(b, p), fmin(b, p), fdim(b, p));
    printf("isnan(sqrt(-1))=%d isinf(exp(1000))=%d signbit(-0.0)=%d\n", isnan(sqrt(-(double)b)), isinf(exp(1000 * b)),
           signbit(-0.0 * b) != 0);
    float fx = (float)b;
    printf("float: sinf=%.6f expf=%.6f sqrtf=%a powf=%.4f\n", (double)sinf(fx), (double)expf(fx), (double)sqrtf(fx),
           (double)powf(fx, 0.3f));
    return (int)fmod(acc, 200.0);
}
