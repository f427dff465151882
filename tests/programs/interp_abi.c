/* The interpreter tier's edges: loop-free functions (which run in the interpreter for their first
** calls, or for every call under IRJIT_INTERP=always) called with every kind of argument the
** x86-64 ABI passes in registers and on the stack, returning narrow, signed, float and sret
** results, called from the C library and through pointers, calling variadic functions, and left
** by longjmp. Every result is printed: the output must equal the native build's. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  long a, b, c, d;
} Big;

static jmp_buf env;
static volatile int sink;

__attribute__((noinline)) long many_ints(long a, long b, long c, long d, long e, long f,
                                         long g, long h, int i, short j) {
  return a - 2 * b + 3 * c - 4 * d + 5 * e - 6 * f + 7 * g - 8 * h + 9 * i - 10 * j;
}

__attribute__((noinline)) double many_doubles(double a, double b, double c, double d, double e,
                                              double f, double g, double h, double i, float j,
                                              int k, double l) {
  return a + b / 2 + c / 3 + d / 4 + e / 5 + f / 6 + g / 7 + h / 8 + i / 9 + j / 10 + k * l;
}

__attribute__((noinline)) float mixed(float x, long n, double y, char c, float z) {
  return x * (float)n + (float)y - c + z;
}

__attribute__((noinline)) signed char narrow_signed(signed char x) { return (signed char)(x - 100); }
__attribute__((noinline)) unsigned char narrow_unsigned(unsigned char x) { return (unsigned char)(x + 200); }
__attribute__((noinline)) short widen(short x) { return (short)(x * -3); }
__attribute__((noinline)) _Bool truth(int x) { return x > 3; }

__attribute__((noinline)) Big make_big(long x) {
  Big b = {x, x * 2, x * 3, -x};
  return b;
}

__attribute__((noinline)) uint64_t bits(uint64_t x, unsigned s) {
  uint32_t lo = (uint32_t)x;
  int32_t slo = (int32_t)x;
  return ((x >> (s & 63)) ^ (uint64_t)(lo << (s & 31))) + (uint64_t)(slo >> (s & 31)) +
         (uint64_t)__builtin_popcountll(x) + (uint64_t)__builtin_bswap32(lo) +
         (uint64_t)(x ? __builtin_clzll(x) : 64) + (uint64_t)(lo ? __builtin_ctz(lo) : 32);
}

__attribute__((noinline)) long divs(long a, long b, unsigned ua, unsigned ub) {
  return a / b + a % b + (long)(ua / ub) + (long)(ua % ub);
}

__attribute__((noinline)) int overflow(int a, int b, long *out) {
  int r;
  long m;
  int o1 = __builtin_add_overflow(a, b, &r);
  int o2 = __builtin_mul_overflow((long)a, (long)b << 20, &m);
  *out = m + r;
  return o1 * 2 + o2;
}

__attribute__((noinline)) int compare_floats(double a, double b, float c) {
  return (a < b) * 1 + (a == b) * 2 + (a != a) * 4 + (c > (float)b) * 8 + (a >= c) * 16;
}

__attribute__((noinline)) int by_value(int x) { return x * 7 + 1; }
static int (*const table[])(int) = {by_value, 0};

__attribute__((noinline)) int through_pointer(int (*f)(int), int x) { return f(x) + f(x + 1); }

static int compare_ints(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

__attribute__((noinline)) void say(const char *what, double d, int i) {
  printf("%s %.3f %d %s\n", what, d, i, i & 1 ? "odd" : "even");
}

__attribute__((noinline)) int describe(char *buf, size_t n, const char *name, double v) {
  return snprintf(buf, n, "[%s=%g]", name, v);
}

__attribute__((noinline)) void leave(int code) { longjmp(env, code); }
__attribute__((noinline)) int between(int code) {
  char local[64];
  memset(local, code, sizeof local);
  sink = local[code & 63];
  if (code > 0) leave(code + 1);
  return code;
}

__attribute__((noinline)) int switched(int x) {
  switch (x) {
  case 1: return 10;
  case 2: return 20;
  case 7: return 70;
  case -3: return -30;
  default: return x;
  }
}

__attribute__((noinline)) double select_and_phi(int c, double a, double b) {
  double r = c > 0 && a > b ? a - b : b - a;
  return c ? r * 2 : r;
}

int main(void) {
  for (int round = 0; round < 12; round++) {
    printf("round %d\n", round);
    printf("ints %ld\n", many_ints(1, 2, 3, 4, 5, 6, 7 + round, 8, -9, (short)-10));
    printf("doubles %.6f\n", many_doubles(1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5 + round,
                                          10.25f, round - 3, -0.5));
    printf("mixed %.4f\n", mixed(1.5f, 3 + round, 2.25, 'a', -0.75f));
    printf("narrow %d %d %d %d\n", narrow_signed((signed char)(round * 13)),
           narrow_unsigned((unsigned char)(round * 29)), widen((short)(round * 4001)),
           truth(round));
    Big b = make_big(round + 1);
    printf("big %ld %ld %ld %ld\n", b.a, b.b, b.c, b.d);
    printf("bits %llu\n", (unsigned long long)bits(0x0123456789abcdefULL * (round + 1), round * 5));
    printf("divs %ld\n", divs(-1000 - round, 7 + round, 1000u + round, 3u + round));
    long m;
    int o = overflow(0x7ffffff0 + round, 20 + round, &m);
    printf("overflow %d %ld\n", o, m);
    printf("floats %d %d\n", compare_floats(round * 0.5, 2.0, 1.5f),
           compare_floats(0.0 / 0.0 * round, 1.0, 0.5f));
    printf("pointer %d %d\n", through_pointer(table[0], round), table[0] == by_value);
    int values[] = {5, -2, 9, round, 0, -7, 3};
    qsort(values, sizeof values / sizeof values[0], sizeof values[0], compare_ints);
    printf("sorted %d %d %d %d\n", values[0], values[1], values[5], values[6]);
    say("say", round / 3.0, round);
    char buf[64];
    int n = describe(buf, sizeof buf, "v", round * 1.25);
    printf("describe %d %s\n", n, buf);
    int code = setjmp(env);
    if (code == 0) between(round);
    printf("jumped %d\n", code);
    printf("switched %d %d\n", switched(round % 8), switched(-3));
    printf("select %.3f\n", select_and_phi(round % 3 - 1, round * 0.5, 2.0));
  }
  return 0;
}
