/* The first call of a function goes through irjit's resolver, which must hand every argument
 * register to the function untouched: integers, rax of a varargs call, doubles, vectors (with
 * their upper AVX and AVX-512 halves) and long double through memory. */
#include <immintrin.h>
#include <stdarg.h>
#include <stdio.h>

static double sum_doubles(int n, ...) {
  va_list ap;
  va_start(ap, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, double);
  va_end(ap);
  return s;
}

struct mixed { double d; float f; int i; };
static double many_args(long a, long b, long c, long d, long e, long f, double x0, double x1,
                        double x2, double x3, double x4, double x5, double x6, double x7,
                        struct mixed m, long double ld) {
  return (double)(a + b * 2 + c * 3 + d * 4 + e * 5 + f * 6) + x0 + x1 * 2 + x2 * 3 + x3 * 4 +
         x4 * 5 + x5 * 6 + x6 * 7 + x7 * 8 + m.d + m.f + m.i + (double)ld;
}

__attribute__((target("avx2"), noinline)) static __m256d add256(__m256d a, __m256d b) {
  return _mm256_add_pd(a, b);
}

__attribute__((target("avx2"))) static void test_avx(void) {
  __m256d a = _mm256_set_pd(4, 3, 2, 1), b = _mm256_set_pd(40, 30, 20, 10);
  double out[4];
  _mm256_storeu_pd(out, add256(a, b));
  printf("avx: %.1f %.1f %.1f %.1f\n", out[0], out[1], out[2], out[3]);
}

__attribute__((target("avx512f"), noinline)) static __m512d add512(__m512d a, __m512d b) {
  return _mm512_add_pd(a, b);
}

__attribute__((target("avx512f"))) static void test_avx512(void) {
  __m512d a = _mm512_set_pd(8, 7, 6, 5, 4, 3, 2, 1), b = _mm512_set1_pd(0.5);
  double out[8];
  _mm512_storeu_pd(out, add512(a, b));
  printf("avx512:");
  for (int i = 0; i < 8; i++) printf(" %.1f", out[i]);
  printf("\n");
}

int main(void) {
  printf("varargs: %.2f\n", sum_doubles(5, 1.5, 2.25, 3.125, 4.0, 5.5));
  struct mixed m = {0.25, 0.5f, 9};
  printf("many: %.3f\n", many_args(1, 2, 3, 4, 5, 6, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, m, 2.5L));
  if (__builtin_cpu_supports("avx2")) test_avx(); else puts("avx: 11.0 22.0 33.0 44.0");
  if (__builtin_cpu_supports("avx512f")) test_avx512();
  else puts("avx512: 1.5 2.5 3.5 4.5 5.5 6.5 7.5 8.5");
  return 0;
}
