// loop_in_main: all the work in one long loop directly in main, with no calls in the hot loop.
// The function is entered once, so only on-stack replacement can move it to faster code.
// Usage: loop_in_main N. Runs N million iterations of a PRNG-driven histogram and state machine.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long iterations = (argc > 1 ? atol(argv[1]) : 1) * 1000000L;
  uint32_t histogram[256] = {0};
  uint64_t x = 0x853C49E6748FEA9BULL, acc = 0;
  uint32_t state = 0, runs = 0;
  for (long i = 0; i < iterations; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL; // 64-bit LCG
    uint32_t r = (uint32_t)(x >> 33);
    uint32_t bucket = (r ^ (r >> 11)) & 255;
    histogram[bucket] += 1 + (state & 3);
    // A small state machine over the bits, with data-dependent branches.
    if (r & 1) {
      state = state * 5 + 1;
    } else if (r & 2) {
      state ^= r >> 7;
      runs++;
    } else {
      state = (state >> 1) | (state << 31);
    }
    acc += histogram[(bucket + state) & 255] ^ (acc >> 3);
  }
  uint64_t h = 0;
  for (int b = 0; b < 256; b++)
    h = h * 1000003ULL + histogram[b];
  printf("iterations %ld: state %u, runs %u, acc %016llx, histogram %016llx\n", iterations, state,
         runs, (unsigned long long)acc, (unsigned long long)h);
  return 0;
}
