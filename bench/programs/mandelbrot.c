// mandelbrot: the Computer Language Benchmarks Game's Mandelbrot set bitmap, N x N pixels.
// Usage: mandelbrot N. Prints a checksum of the bitmap (not the PBM image itself).
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  int row_bytes = (n + 7) / 8;
  unsigned char *row = malloc(row_bytes);
  unsigned long long hash = 1469598103934665603ULL; // FNV-1a over all rows
  long set_pixels = 0;
  for (int y = 0; y < n; y++) {
    double ci = 2.0 * y / n - 1.0;
    for (int i = 0; i < row_bytes; i++)
      row[i] = 0;
    for (int x = 0; x < n; x++) {
      double cr = 2.0 * x / n - 1.5;
      double zr = 0, zi = 0, tr = 0, ti = 0;
      int k = 0;
      for (; k < 50 && tr + ti <= 4.0; k++) {
        zi = 2.0 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
      }
      if (tr + ti <= 4.0) {
        row[x / 8] |= (unsigned char)(0x80 >> (x % 8));
        set_pixels++;
      }
    }
    for (int i = 0; i < row_bytes; i++) {
      hash ^= row[i];
      hash *= 1099511628211ULL;
    }
  }
  printf("P4 %d %d: %ld pixels set, hash %016llx\n", n, n, set_pixels, hash);
  free(row);
  return 0;
}
