#include <stdio.h>

/* Expressions of the form a*b+c: clang emits llvm.fmuladd for them (fp-contract=on).
   For the baseline x86-64 target there is no FMA instruction, so they round twice.
   (Inputs come from volatiles: constant folding of fmuladd would fuse at -O2.)
   An executor must honour the module's target features to reproduce these bits. */
static double dot(const double *a, const double *b, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s = a[i] * b[i] + s;
    return s;
}

static double horner(const double *c, int n, double x) {
    double r = c[n - 1];
    for (int i = n - 2; i >= 0; i--) r = r * x + c[i];
    return r;
}

static float axpy_f(float a, float x, float y) { return a * x + y; }

int main(void) {
    double a[64], b[64];
    for (int i = 0; i < 64; i++) { a[i] = 1.0 / (i + 3); b[i] = (i % 7) * 0.1 + 1e-9 * i; }
    double d = dot(a, b, 64);
    printf("dot=%a (%.17g)\n", d, d);
    double coeffs[] = {1.0, -0.5, 1.0 / 3, -0.25, 0.2, -1.0 / 6, 1.0 / 7, -0.125};
    volatile double step = 0.1, off = 1e-3;
    for (int k = 1; k <= 5; k++) {
        double x = step * k + off;
        double h = horner(coeffs, 8, x);
        printf("horner(%.3f)=%a\n", x, h);
    }
    volatile double p = 0.1, q = 10.0, r = -1.0;
    double e = p * q + r;   /* exactly 0 with fma? no: 2^-54 with fma, 0 without */
    printf("0.1*10-1 = %a\n", e);
    volatile float fa = 1.0f / 3.0f, fx = 3.0f, fy = -1.0f;
    printf("float axpy=%a\n", (double)axpy_f(fa, fx, fy));
    double acc = 0;
    for (int i = 1; i <= 1000; i++) acc = acc * 0.999 + 1.0 / i;
    printf("recurrence=%a\n", acc);
    return e == 0.0 ? 0 : 1;
}
