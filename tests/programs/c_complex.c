#include <stdio.h>
#include <complex.h>
#include <math.h>

static double complex mandel_iter(double complex c, int *iters) {
    double complex z = 0;
    int i;
    for (i = 0; i < 200 && cabs(z) <= 2.0; i++) z = z * z + c;
    *iters = i;
    return z;
}

static double complex pass_and_return(double complex a, float complex b, long double complex c) {
    return a * (double complex)b + (double complex)c;
}

static void show(const char *tag, double complex z) { printf("%-10s %.6f %+.6fi\n", tag, creal(z), cimag(z)); }

int main(void) {
    volatile double re = 1.5, im = -0.5;
    double complex z = re + im * I;
    double complex w = 0.25 - 2.0 * I;
    show("z", z);
    show("z+w", z + w);
    show("z*w", z * w);
    show("z/w", z / w);
    show("conj(z)", conj(z));
    printf("cabs(z)=%.6f carg(z)=%.6f\n", cabs(z), carg(z));
    show("csqrt", csqrt(z));
    show("cexp", cexp(z));
    show("clog", clog(z));
    show("cpow", cpow(z, w));
    show("csin", csin(z));
    float complex fz = 1.0f + 2.0f * I;
    long double complex lz = 0.5L - 0.25L * I;
    show("mixed", pass_and_return(z, fz, lz));
    printf("float complex: %.4f %.4f\n", (double)crealf(fz * fz), (double)cimagf(fz * fz));
    int rows = 0;
    for (int y = -10; y <= 10; y += 2) {
        char line[64];
        int n = 0;
        for (int x = -40; x <= 16; x += 2) {
            int it;
            mandel_iter(x / 20.0 + y / 10.0 * I, &it);
            line[n++] = it >= 200 ? '#' : it > 10 ? '+' : it > 4 ? '.' : ' ';
        }
        line[n] = 0;
        puts(line);
        rows++;
    }
    int it;
    double complex zz = mandel_iter(-0.75 + 0.1 * I, &it);
    printf("iters=%d |z|=%.6f\n", it, cabs(zz));
    return rows;
}
