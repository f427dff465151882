#include <stdio.h>
#include <setjmp.h>

static jmp_buf env;
static int depth_reached;

static void dive(int n, int fail_at) {
    depth_reached = n;
    if (n == fail_at) longjmp(env, n * 10 + 1);
    dive(n + 1, fail_at);
    printf("unreachable %d\n", n);
}

static int safe_div(int a, int b, jmp_buf *err) {
    if (b == 0) longjmp(*err, 99);
    return a / b;
}

int main(void) {
    volatile int attempts = 0;
    int r = setjmp(env);
    attempts++;
    printf("setjmp returned %d (attempt %d)\n", r, attempts);
    if (attempts < 4) dive(0, attempts * 5);
    printf("depth reached %d\n", depth_reached);

    jmp_buf e2;
    volatile int total = 0;
    int pairs[][2] = {{10, 2}, {7, 0}, {9, 3}, {1, 0}, {100, 7}};
    for (int i = 0; i < 5; i++) {
        int code = setjmp(e2);
        if (code == 0) {
            total += safe_div(pairs[i][0], pairs[i][1], &e2);
            printf("ok %d/%d\n", pairs[i][0], pairs[i][1]);
        } else {
            printf("error code %d for pair %d\n", code, i);
        }
    }
    printf("total=%d\n", total);
    /* longjmp with value 0 must make setjmp return 1 */
    jmp_buf e3;
    int v = setjmp(e3);
    if (v == 0) longjmp(e3, 0);
    printf("longjmp(0) gave %d\n", v);
    return total;
}
