#include <stdio.h>
#include <stdint.h>

/* x86-64 inline assembly: the executor must be able to assemble module-level and inline asm. */
__asm__(".text\n"
        ".globl asm_triple\n"
        ".type asm_triple,@function\n"
        "asm_triple:\n"
        "  leaq (%rdi,%rdi,2), %rax\n"
        "  ret\n"
        ".size asm_triple, .-asm_triple\n");
long asm_triple(long x);

static inline uint64_t add_asm(uint64_t a, uint64_t b) {
    __asm__("addq %1, %0" : "+r"(a) : "r"(b) : "cc");
    return a;
}
static inline uint32_t bswap_asm(uint32_t x) {
    __asm__("bswap %0" : "+r"(x));
    return x;
}
static inline int bsr_asm(uint64_t x) {
    uint64_t r;
    __asm__("bsrq %1, %0" : "=r"(r) : "rm"(x) : "cc");
    return (int)r;
}
static inline uint64_t mul_hi(uint64_t a, uint64_t b) {
    uint64_t hi, lo;
    __asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
    (void)lo;
    return hi;
}
static int carry_add(uint64_t a, uint64_t b, uint64_t *sum) {
    unsigned char c;
    __asm__("addq %3, %0\n\tsetc %1" : "=r"(*sum), "=qm"(c) : "0"(a), "r"(b) : "cc");
    return c;
}

int main(void) {
    uint64_t acc = 0;
    for (uint64_t i = 1; i <= 1000; i++) acc = add_asm(acc, i * i);
    printf("sum of squares via asm=%llu\n", (unsigned long long)acc);
    printf("bswap=%08x bsr(1<<40)=%d bsr(12345)=%d\n", bswap_asm(0x11223344u), bsr_asm(1ULL << 40), bsr_asm(12345));
    printf("mul_hi=%llu\n", (unsigned long long)mul_hi(0xFFFFFFFFFFFFFFFFULL, 0x123456789ULL));
    uint64_t s;
    int c1 = carry_add(0xFFFFFFFFFFFFFFF0ULL, 0x20, &s);
    printf("carry=%d sum=%llu\n", c1, (unsigned long long)s);
    int c2 = carry_add(5, 6, &s);
    printf("carry=%d sum=%llu\n", c2, (unsigned long long)s);
    printf("asm_triple(14)=%ld\n", asm_triple(14));
    __asm__ volatile("" ::: "memory");
    return (int)(asm_triple(7) + c1);
}
