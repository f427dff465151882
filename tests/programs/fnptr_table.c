#include <stdio.h>
#include <string.h>

typedef long (*binop)(long, long);
static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_div(long a, long b) { return b ? a / b : 0; }
static long op_mod(long a, long b) { return b ? a % b : 0; }
static long op_max(long a, long b) { return a > b ? a : b; }

static const struct { char sym; const char *name; binop fn; } ops[] = {
    {'+', "add", op_add}, {'-', "sub", op_sub}, {'*', "mul", op_mul},
    {'/', "div", op_div}, {'%', "mod", op_mod}, {'M', "max", op_max},
};

static binop lookup(char c) {
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].sym == c) return ops[i].fn;
    return NULL;
}

typedef int (*pred)(int);
static int is_even(int x) { return x % 2 == 0; }
static int is_square(int x) { for (int i = 0; i * i <= x; i++) if (i * i == x) return 1; return 0; }
static int is_prime(int x) { if (x < 2) return 0; for (int i = 2; i * i <= x; i++) if (x % i == 0) return 0; return 1; }

static int count_if(const int *a, int n, pred p) {
    int c = 0;
    for (int i = 0; i < n; i++) c += p(a[i]) != 0;
    return c;
}

/* function returning a function pointer */
static pred choose(const char *name) {
    if (!strcmp(name, "even")) return is_even;
    if (!strcmp(name, "square")) return is_square;
    return is_prime;
}

typedef void (*visitor)(void *ctx, int v);
static void sum_visitor(void *ctx, int v) { *(long *)ctx += v; }
static void max_visitor(void *ctx, int v) { if (v > *(int *)ctx) *(int *)ctx = v; }
static void walk(const int *a, int n, visitor f, void *ctx) { for (int i = 0; i < n; i++) f(ctx, a[i]); }

/* state machine via table of function pointers returning next index */
typedef int (*state_fn)(int *acc);
static int st0(int *acc) { *acc += 1; return 1; }
static int st1(int *acc) { *acc *= 3; return *acc % 2 ? 2 : 0; }
static int st2(int *acc) { *acc -= 5; return *acc > 1000 ? 3 : 0; }
static int st3(int *acc) { (void)acc; return -1; }
static state_fn machine[] = {st0, st1, st2, st3};

int main(void) {
    const char *prog = "+3*4-2/3%5M9+100*7";
    long acc = 10;
    for (const char *p = prog; *p; p += 2) {
        binop f = lookup(p[0]);
        long before = acc;
        acc = f(acc, p[1] - '0' + (p[1] == '1' ? 0 : 0));
        printf("%ld %c %c = %ld\n", before, p[0], p[1], acc);
        if (p[1] == '1') break;
    }
    int nums[100];
    for (int i = 0; i < 100; i++) nums[i] = i * 7 % 101;
    const char *names[] = {"even", "square", "prime"};
    for (int i = 0; i < 3; i++) printf("count %s = %d\n", names[i], count_if(nums, 100, choose(names[i])));
    long s = 0; int mx = -1;
    walk(nums, 100, sum_visitor, &s);
    walk(nums, 100, max_visitor, &mx);
    printf("sum=%ld max=%d\n", s, mx);
    int st = 0, a = 1, steps = 0;
    while (st >= 0) { st = machine[st](&a); steps++; }
    printf("machine steps=%d acc=%d\n", steps, a);
    binop (*pp)(char) = lookup;
    printf("indirect lookup: %ld\n", pp('*')(6, 7));
    return steps;
}
