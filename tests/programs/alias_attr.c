#include <stdio.h>

int real_compute(int a, int b) { return a * 100 + b; }
int compute_alias(int a, int b) __attribute__((alias("real_compute")));
extern int compute_alias2(int, int) __attribute__((alias("real_compute")));

int real_counter = 5;
extern int counter_alias __attribute__((alias("real_counter")));

static long internal_impl(long x) { return x ^ 0x5a5a; }
static long internal_alias(long x) __attribute__((alias("internal_impl")));

__attribute__((weak, alias("real_compute"))) int weak_alias(int, int);

int main(void) {
    printf("real=%d alias=%d alias2=%d weak_alias=%d\n", real_compute(1, 2), compute_alias(3, 4),
           compute_alias2(5, 6), weak_alias(7, 8));
    printf("same address: %d %d\n", (void *)compute_alias == (void *)real_compute,
           (void *)weak_alias == (void *)real_compute);
    counter_alias += 10;
    printf("real_counter=%d counter_alias=%d same=%d\n", real_counter, counter_alias, &real_counter == &counter_alias);
    printf("internal alias=%ld\n", internal_alias(0x1234));
    return real_counter;
}
