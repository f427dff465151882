#include <stdio.h>
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define N 1024
static int32_t A[N], B[N], C[N];
static float F[N], G[N];

__attribute__((target("avx2"))) static void add_avx2(void) {
    for (int i = 0; i < N; i += 8) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(A + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(B + i));
        __m256i c = _mm256_add_epi32(_mm256_mullo_epi32(a, b), _mm256_srai_epi32(a, 2));
        _mm256_storeu_si256((__m256i *)(C + i), c);
    }
}
static void add_scalar(int32_t *out) {
    for (int i = 0; i < N; i++) out[i] = (int32_t)((uint32_t)A[i] * (uint32_t)B[i] + (uint32_t)(A[i] >> 2));
}

__attribute__((target("avx2"))) static float sum_avx(const float *x) {
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < N; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(x + i));
    float tmp[8];
    _mm256_storeu_ps(tmp, acc);
    float s = 0;
    for (int i = 0; i < 8; i++) s += tmp[i];
    return s;
}

__attribute__((target("avx2"))) static void misc_avx2(void) {
    __m256i v = _mm256_setr_epi32(5, -3, 8, 1, 0, 7, -9, 2);
    __m256i perm = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0));
    __m256i mx = _mm256_max_epi32(v, perm);
    int32_t o[8];
    _mm256_storeu_si256((__m256i *)o, mx);
    printf("max with reversed:");
    for (int i = 0; i < 8; i++) printf(" %d", o[i]);
    printf("\n");
    __m256i cmp = _mm256_cmpgt_epi32(v, _mm256_setzero_si256());
    printf("positive mask=0x%x\n", (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(cmp)));
    __m256i g = _mm256_i32gather_epi32(A, _mm256_setr_epi32(0, 10, 20, 30, 40, 50, 60, 70), 4);
    _mm256_storeu_si256((__m256i *)o, g);
    printf("gather:");
    for (int i = 0; i < 8; i++) printf(" %d", o[i]);
    printf("\n");
    __m256i bytes = _mm256_set1_epi8(0x5a);
    __m256i sh = _mm256_shuffle_epi8(_mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                                      19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31),
                                     _mm256_and_si256(bytes, _mm256_set1_epi8(0x0f)));
    uint8_t ob[32];
    _mm256_storeu_si256((__m256i *)ob, sh);
    printf("shuffle_epi8 lanes: %u %u\n", ob[0], ob[16]);
    __m256d d = _mm256_set_pd(4.0, 9.0, 16.0, 25.0);
    double od[4];
    _mm256_storeu_pd(od, _mm256_sqrt_pd(d));
    printf("sqrt_pd: %.1f %.1f %.1f %.1f\n", od[0], od[1], od[2], od[3]);
}

int main(void) {
    for (int i = 0; i < N; i++) {
        A[i] = (int32_t)((i * 2654435761u) >> 12) - 500000;
        B[i] = (i % 17) - 8;
        F[i] = (float)(i % 13) * 0.25f;
        G[i] = 0;
    }
    int32_t ref[N];
    add_scalar(ref);
    if (!__builtin_cpu_supports("avx2")) { printf("no avx2\n"); return 1; }
    add_avx2();
    printf("avx2 int result matches scalar: %d\n", memcmp(ref, C, sizeof C) == 0);
    unsigned long long cs = 0;
    for (int i = 0; i < N; i++) cs = cs * 31 + (uint32_t)C[i];
    printf("checksum=%llu\n", cs);
    printf("float sum=%.2f\n", (double)sum_avx(F));
    misc_avx2();
    return (int)(cs & 0x3f);
}
