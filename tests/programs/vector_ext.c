#include <stdio.h>
#include <stdint.h>
#include <string.h>

/* GCC/Clang generic vector extensions: lowered to whatever SIMD the target has. */
typedef int32_t v4si __attribute__((vector_size(16)));
typedef uint32_t v4su __attribute__((vector_size(16)));
typedef float v4sf __attribute__((vector_size(16)));
typedef uint8_t v16qu __attribute__((vector_size(16)));
typedef double v4df __attribute__((vector_size(32)));
typedef int64_t v8di __attribute__((vector_size(64)));

static v4si poly(v4si x) { return x * x * 3 - x * 5 + 7; }
static v4sf lerp(v4sf a, v4sf b, float t) { return a + (b - a) * t; }

int main(void) {
    v4si a = {1, -2, 3, -4}, b = {10, 20, 30, 40};
    v4si c = a + b, d = a * b, e = b / 3, f = b % 7, g = (v4si)((v4su)a << 2), h = b >> 1;
    v4si m = a > 0;   /* -1 where true */
    v4si sel = (a & m) | (b & ~m);
    for (int i = 0; i < 4; i++)
        printf("lane %d: add=%d mul=%d div=%d mod=%d shl=%d shr=%d gt=%d sel=%d poly=%d\n", i, c[i], d[i], e[i], f[i], g[i],
               h[i], m[i], sel[i], poly(a)[i]);
    v4sf fa = {0.0f, 1.0f, 2.0f, 3.0f}, fb = {10.0f, 20.0f, 30.0f, 40.0f};
    v4sf l = lerp(fa, fb, 0.25f);
    printf("lerp: %.3f %.3f %.3f %.3f\n", (double)l[0], (double)l[1], (double)l[2], (double)l[3]);
    v16qu bytes;
    for (int i = 0; i < 16; i++) bytes[i] = (uint8_t)(i * 17);
    v16qu inc = bytes + 200; /* wraps */
    unsigned sum = 0;
    for (int i = 0; i < 16; i++) sum += inc[i];
    printf("byte wrap sum=%u\n", sum);
    v4si shuf = __builtin_shufflevector(a, b, 0, 4, 1, 5);
    printf("shuffle: %d %d %d %d\n", shuf[0], shuf[1], shuf[2], shuf[3]);
    v4df dv = {1.0, 4.0, 9.0, 16.0};
    dv = dv * 0.5 + 1.0;
    printf("v4df: %.2f %.2f %.2f %.2f\n", dv[0], dv[1], dv[2], dv[3]);
    v8di big = {1, 2, 3, 4, 5, 6, 7, 8};
    big = big * big * big;
    long long bs = 0;
    for (int i = 0; i < 8; i++) bs += big[i];
    printf("v8di cubes sum=%lld\n", bs);
    v4si conv = __builtin_convertvector(fb * 1.5f, v4si);
    printf("convert: %d %d %d %d\n", conv[0], conv[1], conv[2], conv[3]);
    int32_t mem[8] = {0};
    memcpy(mem + 2, &c, sizeof c);
    printf("stored: %d %d %d %d %d %d\n", mem[1], mem[2], mem[3], mem[4], mem[5], mem[6]);
    return (int)(sum % 256);
}
