// matmul: dense double-precision matrix multiply C = A * B (i-k-j loop order), N x N.
// Usage: matmul N. Prints a checksum of C.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100;
  double *a = malloc((size_t)n * n * sizeof *a);
  double *b = malloc((size_t)n * n * sizeof *b);
  double *c = calloc((size_t)n * n, sizeof *c);
  // Small integers divided by powers of two: every product and sum is exact, so the checksum does
  // not depend on the order of additions an optimizer may choose.
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      a[i * n + j] = (double)((i * 7 + j * 3) % 17 - 8) / 4.0;
      b[i * n + j] = (double)((i * 5 + j * 11) % 13 - 6) / 8.0;
    }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++) {
      double aik = a[i * n + k];
      for (int j = 0; j < n; j++)
        c[i * n + j] += aik * b[k * n + j];
    }
  double sum = 0, diag = 0;
  for (int i = 0; i < n; i++) {
    diag += c[i * n + i];
    for (int j = 0; j < n; j++)
      sum += c[i * n + j] * (double)((i + j) % 3 - 1);
  }
  printf("matmul %d: trace %.3f, weighted sum %.3f\n", n, diag, sum);
  free(a);
  free(b);
  free(c);
  return 0;
}
