#include <stdio.h>
#include <string.h>

struct small { int a; };
struct pair { int a, b; };
struct three { char c; short s; int i; };
struct big { long v[12]; char name[20]; };
struct fl2 { float x, y; };
struct dbl2 { double x, y; };
struct mixed { int i; double d; };
struct mixed2 { float f; int i; char c; };
struct dbl4 { double a, b, c, d; };
struct chars { char c[3]; };
struct nested { struct pair p; struct fl2 f; long tail; };

static struct small mk_small(int a) { struct small s = {a * 2}; return s; }
static struct pair swap(struct pair p) { struct pair r = {p.b, p.a}; return r; }
static struct three bump(struct three t) { t.c++; t.s = (short)(t.s * 2); t.i -= 1; return t; }
static struct big fill(int seed) {
    struct big b;
    for (int i = 0; i < 12; i++) b.v[i] = (long)seed * i * i;
    snprintf(b.name, sizeof b.name, "big-%d", seed);
    return b;
}
static long sum_big(struct big b) { long s = 0; for (int i = 0; i < 12; i++) s += b.v[i]; b.v[0] = -1; return s; }
static struct fl2 fadd(struct fl2 a, struct fl2 b) { struct fl2 r = {a.x + b.x, a.y * b.y}; return r; }
static struct dbl2 dscale(struct dbl2 a, double k) { struct dbl2 r = {a.x * k, a.y / k}; return r; }
static struct mixed mmix(struct mixed m, int k) { m.i += k; m.d *= k; return m; }
static struct mixed2 m2(struct mixed2 m) { m.f += 0.5f; m.i *= -1; m.c = (char)(m.c + 1); return m; }
static struct dbl4 d4(struct dbl4 x) { struct dbl4 r = {x.d, x.c, x.b, x.a}; return r; }
static struct chars ch(struct chars c) { for (int i = 0; i < 3; i++) c.c[i] ^= 0x20; return c; }
static struct nested nest(struct nested n, struct pair p, struct fl2 f, struct big b, struct dbl2 d) {
    n.p.a += p.a; n.p.b += p.b; n.f.x += f.x; n.f.y += f.y;
    n.tail += b.v[11] + (long)d.x;
    return n;
}
/* many struct args so some go on the stack */
static double spill(struct dbl2 a, struct dbl2 b, struct dbl2 c, struct dbl2 d, struct dbl2 e,
                    struct mixed m, struct pair p, struct fl2 f) {
    return a.x + b.y + c.x + d.y + e.x + e.y + m.d + m.i + p.a + p.b + f.x + f.y;
}

int main(void) {
    struct small s = mk_small(21);
    struct pair p = swap((struct pair){1, 2});
    struct three t = bump((struct three){'a', 300, 10});
    struct big b = fill(3);
    long sb = sum_big(b);
    printf("small=%d pair=(%d,%d) three=(%c,%d,%d)\n", s.a, p.a, p.b, t.c, t.s, t.i);
    printf("big name=%s v0=%ld v11=%ld sum=%ld\n", b.name, b.v[0], b.v[11], sb);
    struct fl2 f = fadd((struct fl2){1.5f, 2.0f}, (struct fl2){0.25f, 4.0f});
    struct dbl2 d = dscale((struct dbl2){3.0, 9.0}, 3.0);
    struct mixed m = mmix((struct mixed){5, 1.25}, 4);
    struct mixed2 mm = m2((struct mixed2){1.25f, 17, 'x'});
    struct dbl4 q = d4((struct dbl4){1, 2, 3, 4});
    struct chars c = ch((struct chars){{'a', 'B', 'c'}});
    printf("fl2=(%.3f,%.3f) dbl2=(%.3f,%.3f) mixed=(%d,%.3f)\n", f.x, f.y, d.x, d.y, m.i, m.d);
    printf("mixed2=(%.2f,%d,%c) dbl4=(%g,%g,%g,%g) chars=%.3s\n", mm.f, mm.i, mm.c, q.a, q.b, q.c, q.d, c.c);
    struct nested n = {{1, 1}, {0.5f, 0.5f}, 100};
    for (int i = 0; i < 3; i++) n = nest(n, p, f, b, d);
    printf("nested=(%d,%d,%.2f,%.2f,%ld)\n", n.p.a, n.p.b, n.f.x, n.f.y, n.tail);
    double sp = spill(d, d, (struct dbl2){1, 2}, (struct dbl2){3, 4}, (struct dbl2){5, 6}, m, p, f);
    printf("spill=%.4f\n", sp);
    struct big copy = b;
    copy.v[5] = 0;
    printf("memcmp differs: %d\n", memcmp(&copy, &b, sizeof b) != 0);
    return (int)sb % 200;
}
