#include <stdio.h>
#include <immintrin.h>
#include <stdint.h>

/* SSE/SSE2 are baseline on x86-64; SSE4.1 is used through a target attribute. */
__attribute__((target("sse4.1"))) static int dot_sse41(const int32_t *a, const int32_t *b, int n) {
    __m128i acc = _mm_setzero_si128();
    for (int i = 0; i < n; i += 4) {
        __m128i x = _mm_loadu_si128((const __m128i *)(a + i));
        __m128i y = _mm_loadu_si128((const __m128i *)(b + i));
        acc = _mm_add_epi32(acc, _mm_mullo_epi32(x, y));
    }
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(1, 0, 3, 2)));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_extract_epi32(acc, 0);
}

static void print_ps(const char *tag, __m128 v) {
    float f[4];
    _mm_storeu_ps(f, v);
    printf("%s: %.4f %.4f %.4f %.4f\n", tag, (double)f[0], (double)f[1], (double)f[2], (double)f[3]);
}

int main(void) {
    __m128 a = _mm_set_ps(4.0f, 3.0f, 2.0f, 1.0f);
    __m128 b = _mm_set1_ps(0.5f);
    print_ps("add", _mm_add_ps(a, b));
    print_ps("mul", _mm_mul_ps(a, b));
    print_ps("div", _mm_div_ps(b, a));
    print_ps("sqrt", _mm_sqrt_ps(a));
    print_ps("max", _mm_max_ps(a, _mm_set_ps(0, 5, 0, 5)));
    print_ps("shuffle", _mm_shuffle_ps(a, a, _MM_SHUFFLE(0, 1, 2, 3)));
    print_ps("unpacklo", _mm_unpacklo_ps(a, b));
    int mask = _mm_movemask_ps(_mm_cmplt_ps(a, _mm_set1_ps(2.5f)));
    printf("cmplt mask=%d\n", mask);

    __m128d d = _mm_set_pd(2.0, 9.0);
    double dd[2];
    _mm_storeu_pd(dd, _mm_sqrt_pd(d));
    printf("sqrt_pd: %.6f %.6f\n", dd[0], dd[1]);

    __m128i i8 = _mm_setr_epi8(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    __m128i sat = _mm_adds_epu8(i8, _mm_set1_epi8((char)250));
    uint8_t out8[16];
    _mm_storeu_si128((__m128i *)out8, sat);
    printf("adds_epu8:");
    for (int i = 0; i < 16; i++) printf(" %u", out8[i]);
    printf("\n");
    __m128i s16 = _mm_setr_epi16(1000, -1000, 32000, -32000, 7, 8, 9, 10);
    __m128i m16 = _mm_mullo_epi16(s16, _mm_set1_epi16(3));
    __m128i h16 = _mm_mulhi_epi16(s16, _mm_set1_epi16(3000));
    int16_t o16[8], p16[8];
    _mm_storeu_si128((__m128i *)o16, m16);
    _mm_storeu_si128((__m128i *)p16, h16);
    for (int i = 0; i < 8; i++) printf("(%d,%d) ", o16[i], p16[i]);
    printf("\n");
    __m128i sh = _mm_srli_epi32(_mm_set1_epi32(-1), 4);
    printf("srli: %08x sad=%lld\n", _mm_cvtsi128_si32(sh),
           (long long)_mm_cvtsi128_si64(_mm_sad_epu8(i8, _mm_setzero_si128())));

    int32_t va[64], vb[64];
    for (int i = 0; i < 64; i++) { va[i] = i - 20; vb[i] = 3 * i + 1; }
    int dot = __builtin_cpu_supports("sse4.1") ? dot_sse41(va, vb, 64) : -1;
    long ref = 0;
    for (int i = 0; i < 64; i++) ref += (long)va[i] * vb[i];
    printf("dot=%d ref=%ld\n", dot, ref);
    /* float conversions */
    __m128 cv = _mm_setr_ps(1.5f, -2.5f, 3.49f, -0.51f);
    __m128i ci = _mm_cvtps_epi32(cv), ct = _mm_cvttps_epi32(cv);
    int32_t o1[4], o2[4];
    _mm_storeu_si128((__m128i *)o1, ci);
    _mm_storeu_si128((__m128i *)o2, ct);
    printf("cvtps: %d %d %d %d / cvttps: %d %d %d %d\n", o1[0], o1[1], o1[2], o1[3], o2[0], o2[1], o2[2], o2[3]);
    return mask;
}
