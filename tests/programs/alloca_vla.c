#include <stdio.h>
#include <alloca.h>
#include <string.h>

static long vla_sum(int n) {
    long a[n];
    for (int i = 0; i < n; i++) a[i] = (long)i * i - n;
    long s = 0;
    for (int i = 0; i < n; i++) s += a[i];
    return s;
}

static void mat_mul(int n, int m, int p, const double A[n][m], const double B[m][p], double C[n][p]) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int k = 0; k < m; k++) s += A[i][k] * B[k][j];
            C[i][j] = s;
        }
}

static int alloca_concat(const char **parts, int n) {
    size_t total = 1;
    for (int i = 0; i < n; i++) total += strlen(parts[i]);
    char *buf = alloca(total);
    buf[0] = 0;
    for (int i = 0; i < n; i++) strcat(buf, parts[i]);
    printf("concat: %s (%zu)\n", buf, strlen(buf));
    return (int)strlen(buf);
}

static unsigned recurse_alloca(int depth) {
    unsigned char *p = alloca((size_t)(depth * 16 + 1));
    memset(p, depth, (size_t)(depth * 16 + 1));
    if (depth == 0) return p[0];
    unsigned r = recurse_alloca(depth - 1);
    return r + p[depth * 16];
}

int main(int argc, char **argv) {
    (void)argv;
    for (int n = 1; n <= 1000; n *= 10) printf("vla_sum(%d)=%ld\n", n, vla_sum(n));
    int n = 3 + argc % 2, m = 4, p = 2;   /* argc is 1 here: runtime sizes */
    double A[n][m], B[m][p], C[n][p];
    for (int i = 0; i < n; i++) for (int k = 0; k < m; k++) A[i][k] = i + k * 0.5;
    for (int k = 0; k < m; k++) for (int j = 0; j < p; j++) B[k][j] = (k + 1) * (j - 0.25);
    mat_mul(n, m, p, (const double (*)[m])A, (const double (*)[p])B, C);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < p; j++) printf("%8.3f", C[i][j]);
        printf("\n");
    }
    printf("sizeof(C)=%zu\n", sizeof C);
    const char *parts[] = {"stack", "-", "allocated", "-", "string"};
    int len = alloca_concat(parts, 5);
    printf("recurse_alloca=%u\n", recurse_alloca(40));
    /* VLA in a loop: each iteration gets a fresh one */
    long total = 0;
    for (int i = 1; i < 200; i++) {
        int buf[i];
        for (int j = 0; j < i; j++) buf[j] = j ^ i;
        total += buf[i - 1] + buf[i / 2];
    }
    printf("loop vla total=%ld\n", total);
    return len;
}
