#include <stdio.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* exception-like try/catch emulation with a stack of jmp_bufs */
#define MAXTRY 16
static jmp_buf *try_stack[MAXTRY];
static int try_top;
static const char *err_msg;

static void throw_err(const char *msg, int code) {
    err_msg = msg;
    if (try_top == 0) { fprintf(stderr, "uncaught: %s\n", msg); exit(3); }
    longjmp(*try_stack[--try_top], code);
}

static int parse_digit(char c) {
    if (c < '0' || c > '9') throw_err("not a digit", 2);
    return c - '0';
}

static long parse_number(const char *s) {
    long v = 0;
    if (!*s) throw_err("empty", 1);
    for (; *s; s++) v = v * 10 + parse_digit(*s);
    if (v > 100000) throw_err("too big", 3);
    return v;
}

static long sum_list(const char **items, int n) {
    jmp_buf jb;
    volatile long total = 0;
    volatile int i;
    for (i = 0; i < n; i++) {
        int code;
        try_stack[try_top++] = &jb;
        if ((code = setjmp(jb)) == 0) {
            total += parse_number(items[i]);
            try_top--;
        } else {
            printf("  item %d '%s' failed: %s (code %d)\n", i, items[i], err_msg, code);
            if (code == 3) throw_err("propagated too big", 30);
        }
    }
    return total;
}

static long recurse_then_jump(int n, jmp_buf *target, char *trail) {
    char local[8];
    snprintf(local, sizeof local, "%d,", n);
    strcat(trail, local);
    if (n == 0) longjmp(*target, 5);
    return recurse_then_jump(n - 1, target, trail) + 1;
}

int main(void) {
    const char *a[] = {"12", "x3", "45", "", "7"};
    const char *b[] = {"1", "2", "999999", "3"};
    jmp_buf outer;
    int code;
    try_stack[try_top++] = &outer;
    if ((code = setjmp(outer)) == 0) {
        printf("sum a = %ld\n", sum_list(a, 5));
        printf("sum b = %ld\n", sum_list(b, 4));
        try_top--;
    } else {
        printf("outer caught: %s (code %d), try_top=%d\n", err_msg, code, try_top);
    }
    jmp_buf deep;
    static char trail[256];
    if ((code = setjmp(deep)) == 0) recurse_then_jump(30, &deep, trail);
    printf("deep jump code %d trail=%s\n", code, trail);
    parse_number("12a");
    return 0;
}
