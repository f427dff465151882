// irjit-test: cflags=-mavx512f -mavx512bw -mavx512vl
#include <stdio.h>
#include <immintrin.h>
#include <stdint.h>

/* Integer-only AVX-512 so results cannot depend on FMA contraction. */
int main(void) {
    int32_t a[16], b[16], out[16];
    for (int i = 0; i < 16; i++) { a[i] = i * i - 50; b[i] = 100 - 7 * i; }
    __m512i va = _mm512_loadu_si512(a), vb = _mm512_loadu_si512(b);
    __m512i sum = _mm512_add_epi32(va, vb);
    __m512i mx = _mm512_max_epi32(va, vb);
    __mmask16 gt = _mm512_cmpgt_epi32_mask(va, vb);
    printf("gt mask=0x%04x popcount=%d\n", (unsigned)gt, __builtin_popcount(gt));
    __m512i blended = _mm512_mask_blend_epi32(gt, _mm512_set1_epi32(-1), sum);
    _mm512_storeu_si512(out, blended);
    printf("blend:");
    for (int i = 0; i < 16; i++) printf(" %d", out[i]);
    printf("\nreduce add=%d max=%d min=%d\n", _mm512_reduce_add_epi32(sum), _mm512_reduce_max_epi32(mx),
           _mm512_reduce_min_epi32(va));
    __m512i masked = _mm512_maskz_mullo_epi32(0x5555, va, vb);
    _mm512_storeu_si512(out, masked);
    printf("maskz mul:");
    for (int i = 0; i < 16; i++) printf(" %d", out[i]);
    printf("\n");
    uint8_t bytes[64], res[64];
    for (int i = 0; i < 64; i++) bytes[i] = (uint8_t)(i * 37);
    __m512i vbytes = _mm512_loadu_si512(bytes);
    __m512i adds = _mm512_adds_epu8(vbytes, _mm512_set1_epi8(100));
    _mm512_storeu_si512(res, adds);
    unsigned cs = 0;
    for (int i = 0; i < 64; i++) cs = cs * 33 + res[i];
    printf("adds_epu8 checksum=%u\n", cs);
    __m512i rot = _mm512_rol_epi32(va, 7);
    _mm512_storeu_si512(out, rot);
    printf("rol: %08x %08x\n", (unsigned)out[0], (unsigned)out[15]);
    __m256i small = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8);
    __mmask8 m8 = _mm256_cmpeq_epi32_mask(_mm256_and_si256(small, _mm256_set1_epi32(1)), _mm256_set1_epi32(1));
    printf("vl odd mask=0x%02x\n", (unsigned)m8);
    int64_t q[8];
    _mm512_storeu_si512(q, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(va)));
    printf("cvtepi32_epi64: %lld %lld\n", (long long)q[0], (long long)q[7]);
    return gt & 0xff;
}
