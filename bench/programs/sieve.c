// sieve: the sieve of Eratosthenes up to N million, run ROUNDS times over a fresh byte array.
// Usage: sieve N [ROUNDS]. Prints the number of primes and a checksum of them.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  long limit = (argc > 1 ? atol(argv[1]) : 1) * 1000000L;
  int rounds = argc > 2 ? atoi(argv[2]) : 4;
  unsigned char *composite = malloc(limit + 1);
  long count = 0;
  unsigned long long sum = 0;
  for (int round = 0; round < rounds; round++) {
    memset(composite, 0, limit + 1);
    count = 0;
    sum = 0;
    for (long i = 2; i <= limit; i++) {
      if (composite[i])
        continue;
      count++;
      sum = sum * 31 + (unsigned long long)i;
      for (long j = i * i; j <= limit; j += i)
        composite[j] = 1;
    }
  }
  printf("primes up to %ld: %ld, checksum %llu\n", limit, count, sum);
  free(composite);
  return 0;
}
