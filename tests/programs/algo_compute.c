#include <stdio.h>
#include <string.h>
#include <stdint.h>

static int sieve(int n, unsigned char *composite) {
    int count = 0;
    memset(composite, 0, (size_t)n + 1);
    for (int i = 2; i <= n; i++) {
        if (composite[i]) continue;
        count++;
        for (long j = (long)i * i; j <= n; j += i) composite[j] = 1;
    }
    return count;
}

static int nqueens(int n, int row, unsigned cols, unsigned d1, unsigned d2) {
    if (row == n) return 1;
    int total = 0;
    unsigned avail = ~(cols | d1 | d2) & ((1u << n) - 1);
    while (avail) {
        unsigned bit = avail & -avail;
        avail ^= bit;
        total += nqueens(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
    }
    return total;
}

static long knapsack(const int *w, const int *v, int n, int cap) {
    static long dp[1001];
    memset(dp, 0, sizeof dp);
    for (int i = 0; i < n; i++)
        for (int c = cap; c >= w[i]; c--)
            if (dp[c - w[i]] + v[i] > dp[c]) dp[c] = dp[c - w[i]] + v[i];
    return dp[cap];
}

static int lcs(const char *a, const char *b) {
    static int t[64][64];
    int la = (int)strlen(a), lb = (int)strlen(b);
    for (int i = 0; i <= la; i++)
        for (int j = 0; j <= lb; j++)
            t[i][j] = (!i || !j) ? 0 : a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : (t[i - 1][j] > t[i][j - 1] ? t[i - 1][j] : t[i][j - 1]);
    return t[la][lb];
}

static void matmul(int n, const double *a, const double *b, double *c) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
}

static uint64_t gcd(uint64_t a, uint64_t b) { while (b) { uint64_t t = a % b; a = b; b = t; } return a; }

int main(void) {
    static unsigned char comp[200001];
    printf("primes <= 200000: %d\n", sieve(200000, comp));
    for (int n = 4; n <= 10; n++) printf("queens(%d)=%d ", n, nqueens(n, 0, 0, 0, 0));
    printf("\n");
    int w[] = {12, 7, 11, 8, 9, 23, 5, 17, 31, 4, 14, 19}, v[] = {24, 13, 23, 15, 16, 50, 9, 30, 62, 7, 27, 38};
    printf("knapsack(cap 60)=%ld cap(100)=%ld\n", knapsack(w, v, 12, 60), knapsack(w, v, 12, 100));
    printf("lcs=%d\n", lcs("the quick brown fox jumps over", "a lazy dog jumped over the fox"));
    enum { N = 48 };
    static double a[N * N], b[N * N], c[N * N];
    for (int i = 0; i < N * N; i++) { a[i] = (i % 7) - 3; b[i] = (i % 5) * 0.5; }
    matmul(N, a, b, c);
    double tr = 0;
    for (int i = 0; i < N; i++) tr += c[i * N + i];
    printf("matmul trace=%.2f c[5]=%.2f\n", tr, c[5]);
    uint64_t g = 0;
    for (uint64_t i = 1; i < 2000; i++) g += gcd(i * 7919, 1000000007ULL % (i + 13) + i);
    printf("gcd sum=%llu\n", (unsigned long long)g);
    /* binary search for integer square roots */
    uint64_t acc = 0;
    for (uint64_t x = 1; x < 1000000000000ULL; x = x * 3 + 1) {
        uint64_t lo = 0, hi = 2000000;
        while (lo < hi) { uint64_t mid = (lo + hi + 1) / 2; if (mid * mid <= x) lo = mid; else hi = mid - 1; }
        acc = acc * 31 + lo;
    }
    printf("isqrt acc=%llu\n", (unsigned long long)acc);
    return nqueens(8, 0, 0, 0, 0) % 256;
}
