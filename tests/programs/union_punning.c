#include <stdio.h>
#include <stdint.h>
#include <string.h>

union fbits { float f; uint32_t u; unsigned char b[4]; };
union dbits { double d; uint64_t u; };

enum kind { K_INT, K_DBL, K_STR, K_PAIR };
struct value {
    enum kind kind;
    union { long i; double d; const char *s; struct { short a, b; } pair; } as;
};

static void show(const struct value *v) {
    switch (v->kind) {
    case K_INT: printf("int(%ld)", v->as.i); break;
    case K_DBL: printf("dbl(%.3f)", v->as.d); break;
    case K_STR: printf("str(%s)", v->as.s); break;
    case K_PAIR: printf("pair(%d,%d)", v->as.pair.a, v->as.pair.b); break;
    }
}

static double value_num(struct value v) {
    switch (v.kind) {
    case K_INT: return (double)v.as.i;
    case K_DBL: return v.as.d;
    case K_STR: return (double)strlen(v.as.s);
    default: return v.as.pair.a + v.as.pair.b;
    }
}

union big { char c[40]; long l[5]; double d[5]; };
static union big make_big(int k) { union big u; for (int i = 0; i < 5; i++) u.l[i] = (long)k << i; return u; }

int main(void) {
    float fs[] = {1.0f, -2.5f, 0.1f, 3.4028235e38f, 1e-45f, 0.0f};
    for (int i = 0; i < 6; i++) {
        union fbits x = {.f = fs[i]};
        printf("float %g -> 0x%08x sign=%u exp=%u mant=0x%06x bytes=%02x%02x%02x%02x\n", (double)x.f, x.u,
               x.u >> 31, (x.u >> 23) & 0xff, x.u & 0x7fffff, x.b[0], x.b[1], x.b[2], x.b[3]);
    }
    union dbits d = {.d = 1.0 / 3.0};
    printf("double 1/3 = 0x%016llx\n", (unsigned long long)d.u);
    d.u += 1;
    printf("next double = %.17g\n", d.d);
    union fbits inv = {.u = 0x7fc00000u};
    printf("nan? %d\n", inv.f != inv.f);
    struct value vals[] = {
        {K_INT, {.i = -77}}, {K_DBL, {.d = 2.5}}, {K_STR, {.s = "hello"}}, {.kind = K_PAIR, .as.pair = {3, -9}},
    };
    double total = 0;
    for (int i = 0; i < 4; i++) { show(&vals[i]); printf(" "); total += value_num(vals[i]); }
    printf("\ntotal=%.3f sizeof(struct value)=%zu\n", total, sizeof(struct value));
    union big u = make_big(3);
    printf("big: %ld %ld %ld %ld %ld first byte %d\n", u.l[0], u.l[1], u.l[2], u.l[3], u.l[4], u.c[0]);
    /* fast inverse square root style bit trick, fully defined via union */
    union fbits y = {.f = 4.0f};
    y.u = 0x5f3759dfu - (y.u >> 1);
    printf("rsqrt(4) approx %.4f\n", (double)y.f);
    return (int)total;
}
