// fannkuch-redux: the Computer Language Benchmarks Game's pancake-flipping permutation benchmark.
// Usage: fannkuch N [ROUNDS]. Prints the permutation checksum and the maximum number of flips.
// ROUNDS (default 1) repeats the whole computation: n = 11 would take 12 times as long as n = 10.
#include <stdio.h>
#include <stdlib.h>

static void fannkuch(int n, int *checksum_out, int *max_flips_out) {
  int perm[16], perm1[16], count[16];
  int max_flips = 0, checksum = 0, perm_count = 0;
  for (int i = 0; i < n; i++)
    perm1[i] = i;
  int r = n;
  for (;;) {
    while (r != 1) {
      count[r - 1] = r;
      r--;
    }
    for (int i = 0; i < n; i++)
      perm[i] = perm1[i];
    int flips = 0;
    int k;
    while ((k = perm[0]) != 0) {
      for (int i = 0, j = k; i < j; i++, j--) {
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      flips++;
    }
    if (flips > max_flips)
      max_flips = flips;
    checksum += (perm_count % 2 == 0) ? flips : -flips;
    for (;;) {
      if (r == n) {
        *checksum_out = checksum;
        *max_flips_out = max_flips;
        return;
      }
      int perm0 = perm1[0];
      for (int i = 0; i < r; i++)
        perm1[i] = perm1[i + 1];
      perm1[r] = perm0;
      count[r]--;
      if (count[r] > 0)
        break;
      r++;
    }
    perm_count++;
  }
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 7;
  if (n < 3 || n > 15) {
    fprintf(stderr, "fannkuch: N must be 3..15\n");
    return 64;
  }
  int rounds = argc > 2 ? atoi(argv[2]) : 1;
  // Read through a volatile so the optimizer cannot merge the rounds into one.
  volatile int n_each_round = n;
  int checksum = 0, max_flips = 0;
  for (int round = 0; round < rounds; round++)
    fannkuch(n_each_round, &checksum, &max_flips);
  printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
  return 0;
}
