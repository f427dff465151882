/* Recursion and mutual recursion whose first calls happen while earlier activations of the same
 * functions (entered through their stubs) are still on the stack. */
#include <stdio.h>

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static long ackermann(long m, long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}
static long tail(long n) { return n; }
static long walk(long n) {
  if (n == 0) return tail(42);
  return walk(n - 1) + 1;
}

int main(void) {
  printf("even(100001)=%d odd(77777)=%d\n", is_even(100001), is_odd(77777));
  printf("ackermann(2, 300)=%ld ackermann(3, 5)=%ld\n", ackermann(2, 300), ackermann(3, 5));
  printf("walk(50000)=%ld\n", walk(50000));
  return 0;
}
