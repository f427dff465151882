#include <stdio.h>

static int next_id(void) {
    static int id = 100;
    return id++;
}

static const char *cycle(void) {
    static const char *names[] = {"red", "green", "blue"};
    static int i;
    return names[i++ % 3];
}

static int *counter_array(int k) {
    static int counts[5];
    counts[k % 5]++;
    return counts;
}

static long fib_memo(int n) {
    static long memo[91];
    static int initialized;
    if (!initialized) { memo[0] = 0; memo[1] = 1; initialized = 1; }
    if (n < 2) return memo[n];
    if (memo[n]) return memo[n];
    return memo[n] = fib_memo(n - 1) + fib_memo(n - 2);
}

static int *pointer_to_static(void) {
    static int value = 5;
    static int *p = &value;
    (*p)++;
    return p;
}

static double running_avg(double x) {
    static double sum;
    static int n;
    sum += x;
    return sum / ++n;
}

int main(void) {
    for (int i = 0; i < 5; i++) printf("id %d colour %s\n", next_id(), cycle());
    int *c = NULL;
    for (int i = 0; i < 23; i++) c = counter_array(i * i);
    printf("counts: %d %d %d %d %d\n", c[0], c[1], c[2], c[3], c[4]);
    printf("fib(90)=%ld fib(50)=%ld\n", fib_memo(90), fib_memo(50));
    int *p = pointer_to_static();
    pointer_to_static();
    printf("static via pointer: %d\n", *p);
    double avg = 0;
    for (int i = 1; i <= 10; i++) avg = running_avg(i * 1.5);
    printf("running avg=%.3f\n", avg);
    return next_id() - 100;
}
