/* Superseded code freed while the program runs: 120 functions, each hot in a phase of its own
 * (so each moves from tier 0 to tier 2 while later ones still start in tier 0), called
 * directly, through a table of function pointers, and from a qsort comparator. The reclamation
 * trial checks that the freed tier-0 code is reused (code bytes stay bounded). */
#include <stdio.h>
#include <stdlib.h>

#define F(n)                                                                  \
  static unsigned long f##n(unsigned long x) {                                \
    unsigned long acc = x;                                                    \
    for (int i = 0; i < 24; i++) acc = acc * 6364136223846793005ul + n + i;   \
    return acc ^ (acc >> 17);                                                 \
  }
#define F10(t) F(t##0) F(t##1) F(t##2) F(t##3) F(t##4) F(t##5) F(t##6) F(t##7) F(t##8) F(t##9)
F10(1) F10(2) F10(3) F10(4) F10(5) F10(6) F10(7) F10(8) F10(9) F10(10) F10(11) F10(12)

typedef unsigned long (*fn)(unsigned long);
#define P(n) f##n,
#define P10(t) P(t##0) P(t##1) P(t##2) P(t##3) P(t##4) P(t##5) P(t##6) P(t##7) P(t##8) P(t##9)
static fn table[] = {P10(1) P10(2) P10(3) P10(4) P10(5) P10(6) P10(7) P10(8) P10(9) P10(10)
                         P10(11) P10(12)};

static int current;

static int by_hash(const void *a, const void *b) {
  unsigned long x = table[current](*(const unsigned long *)a);
  unsigned long y = table[current](*(const unsigned long *)b);
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 40000;
  int n = sizeof table / sizeof table[0];
  unsigned long sum = 0;
  unsigned long keys[64];
  for (int f = 0; f < n; f++) {
    current = f;
    for (long r = 0; r < rounds; r++) sum += table[f](sum + r);
    for (int k = 0; k < 64; k++) keys[k] = sum + 977ul * k;
    qsort(keys, 64, sizeof keys[0], by_hash);
    sum ^= keys[0] + keys[63];
    if (f % 20 == 19) printf("phase %d: %016lx\n", f / 20, sum);
  }
  /* Everything again: all of it at tier 2 by now (or in its continuation). */
  for (int f = 0; f < n; f++) sum += table[f](sum);
  printf("%d functions, checksum %016lx\n", n, sum);
  return 0;
}
