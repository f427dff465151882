#include <stdio.h>

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

/* Hofstadter female and male sequences */
static int M(int n);
static int F(int n) { return n == 0 ? 1 : n - M(F(n - 1)); }
static int M(int n) { return n == 0 ? 0 : n - F(M(n - 1)); }

/* mutual recursive descent over a nested list string */
static const char *p;
static long parse_list(int depth);
static long parse_item(int depth) {
    if (*p == '(') { p++; long v = parse_list(depth + 1); p++; return v * depth; }
    long v = 0;
    while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    return v;
}
static long parse_list(int depth) {
    long s = parse_item(depth);
    while (*p == ' ') { p++; s += parse_item(depth); }
    return s;
}

int main(void) {
    printf("is_even(10000)=%d is_odd(7777)=%d is_even(3)=%d\n", is_even(10000), is_odd(7777), is_even(3));
    printf("F:");
    for (int i = 0; i < 20; i++) printf(" %d", F(i));
    printf("\nM:");
    for (int i = 0; i < 20; i++) printf(" %d", M(i));
    printf("\n");
    p = "1 (2 3 (4 5) 6) (7 (8 (9 10)))";
    long v = parse_list(1);
    printf("nested value=%ld\n", v);
    return F(30) % 50;
}
