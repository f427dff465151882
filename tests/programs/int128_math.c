#include <stdio.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

static char *u128_str(u128 v, char *buf) {
    char tmp[48];
    int n = 0;
    do { tmp[n++] = (char)('0' + (int)(v % 10)); v /= 10; } while (v);
    for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
    return buf;
}
static char *i128_str(i128 v, char *buf) {
    if (v < 0) { buf[0] = '-'; u128_str((u128)0 - (u128)v, buf + 1); return buf; }
    return u128_str((u128)v, buf);
}
static char *u128_hex(u128 v, char *buf) {
    sprintf(buf, "%016llx%016llx", (unsigned long long)(v >> 64), (unsigned long long)v);
    return buf;
}

static u128 powmod(u128 b, u128 e, u128 m) {
    u128 r = 1;
    b %= m;
    while (e) { if (e & 1) r = r * b % m; b = b * b % m; e >>= 1; }
    return r;
}

int main(void) {
    char b1[64], b2[64];
    u128 f = 1;
    for (int i = 1; i <= 34; i++) {
        f *= (u128)i;
        if (i >= 25) printf("%d! = %s\n", i, u128_str(f, b1));
    }
    u128 a = 0, b = 1;
    for (int i = 0; i < 180; i++) { u128 t = a + b; a = b; b = t; }
    printf("fib(180) = %s\n", u128_str(a, b1));
    i128 neg = -(i128)(f / 3) / 7;
    printf("-(34!/3)/7 = %s\n", i128_str(neg, b1));
    printf("-(34!/3)%%11 = %s\n", i128_str(-(i128)(f / 3) % 11, b1));
    u128 max = ~(u128)0;
    printf("max u128 = %s\nhex = %s\n", u128_str(max, b1), u128_hex(max, b2));
    i128 imin = (i128)((u128)1 << 127);
    printf("min i128 = %s\n", i128_str(imin, b1));
    u128 x = ((u128)0x0123456789abcdefULL << 64) | 0xfedcba9876543210ULL;
    printf("x = %s\n", u128_hex(x, b1));
    printf("x >> 68 = %s, x << 12 = %s\n", u128_hex(x >> 68, b1), u128_hex(x << 12, b2));
    printf("x / 1000000007 = %s rem %s\n", u128_str(x / 1000000007u, b1), u128_str(x % 1000000007u, b2));
    u128 p = 0xffffffffffffffc5ULL; /* largest 64-bit prime */
    printf("3^(p-1) mod p = %s\n", u128_str(powmod(3, p - 1, p), b1));
    unsigned long long hi = 0xdeadbeefcafebabeULL, lo = 0x123456789ULL;
    u128 prod = (u128)hi * lo;
    printf("64x64 product = %s (%s)\n", u128_str(prod, b1), u128_hex(prod, b2));
    i128 s = 0;
    for (long long i = -50; i <= 60; i++) s += (i128)i * i * i * 1000000000000LL;
    printf("cube sum = %s\n", i128_str(s, b1));
    printf("compare: %d %d %d\n", (i128)-1 < (i128)0, (u128)-1 > (u128)0, imin < -(i128)max / 4);
    return (int)(f % 251);
}
