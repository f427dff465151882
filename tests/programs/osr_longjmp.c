// OSR case: non-local exits through hot loops. work() loops long and calls check(), which every
// 100k calls longjmps to a setjmp in driver(), the CALLER of the looping function; driver restarts
// the loop with new parameters. self_jump() calls setjmp itself and contains a hot loop (OSR must
// be refused there; the output must still be right).
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static unsigned long g_calls, g_acc, g_next = 100000;
static int g_at, g_jumps;

__attribute__((noinline)) static void check(unsigned long acc, int i) {
    if (++g_calls == g_next) { /* roughly every 100k calls */
        g_acc = acc;
        g_at = i;
        g_next += 70000 + (acc & 0xffff);
        longjmp(env, ++g_jumps);
    }
}

static unsigned long work(int param, int n) {
    unsigned long acc = (unsigned long)param * 0x9e3779b97f4a7c15ul;
    unsigned int lcg = (unsigned int)param + 1u;
    int odd = 0;
    for (int i = 0; i < n; i++) {
        lcg = lcg * 1103515245u + 12345u;
        acc = (acc ^ lcg) * 0x100000001b3ul + (unsigned long)i;
        odd += (int)(lcg >> 31);
        check(acc, i);
    }
    return acc + (unsigned long)odd;
}

static unsigned long driver(void) {
    volatile unsigned long combined = 1;
    volatile int restarts = 0, finished = 0;
    int code = setjmp(env);
    if (code != 0) {
        restarts = restarts + 1;
        combined = combined * 1000003u ^ g_acc ^ (unsigned long)g_at;
        printf("jump %d: at=%d acc=%lu\n", code, g_at, g_acc);
    }
    while (restarts + finished < 80) {
        int param = restarts * 7 + finished * 3 + 1;
        int n = 50000 + ((restarts * 5 + finished * 3) % 7) * 35000;
        unsigned long r = work(param, n);
        finished = finished + 1;
        combined = combined * 31 + r;
        printf("finished param=%d n=%d r=%lu\n", param, n, r);
    }
    printf("driver: restarts=%d finished=%d calls=%lu\n", restarts, finished, g_calls);
    return combined;
}

__attribute__((noinline)) static void inner_jump(jmp_buf *where, unsigned long v, int i) {
    if (i > 0 && i % 150000 == 0 && (v & 3) != 3) longjmp(*where, (int)(v & 3) + 1);
}

/* Calls setjmp itself and loops hot after it; locals changed after setjmp are volatile. */
static unsigned long self_jump(int rounds) {
    jmp_buf local;
    volatile int tries = 0;
    volatile unsigned long total = 0;
    int code = setjmp(local);
    if (code) total = total * 7 + (unsigned long)code;
    while (tries < rounds) {
        int t = tries;
        tries = t + 1;
        unsigned long x = (unsigned long)t * 12345 + 1;
        int i;
        for (i = 0; i < 700000; i++) {
            x = x * 2862933555777941757ul + 3037000493ul;
            inner_jump(&local, x >> 32, i);
        }
        total = total + (x >> 20);
    }
    printf("self_jump: tries=%d total=%lu\n", tries, total);
    return total;
}

int main(void) {
    unsigned long d = driver();
    unsigned long s = self_jump(40);
    printf("driver=%lu self=%lu\n", d, s);
    return 0;
}
