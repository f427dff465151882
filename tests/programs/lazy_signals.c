// First calls from places where the calling thread cannot or must not compile itself, while first
// calls are going on elsewhere: a signal handler (on the thread's stack and on an alternate signal
// stack) that calls functions never called before, a thread with a small stack, and a pthread_key
// destructor, which runs after the thread's thread-local storage is gone.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define F(n) \
    static int f##n(int x) { return x * (n + 3) + n; }
#define H(n) \
    static int h##n(int x) { return x ^ (n * 7919); }
#define T(n) \
    static long t##n(long x) { return x * 31 + n; }

F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15)
F(16) F(17) F(18) F(19) F(20) F(21) F(22) F(23) F(24) F(25) F(26) F(27) F(28) F(29) F(30) F(31)
H(0) H(1) H(2) H(3) H(4) H(5) H(6) H(7) H(8) H(9) H(10) H(11) H(12) H(13) H(14) H(15)
T(0) T(1) T(2) T(3) T(4) T(5) T(6) T(7)

static int (*const fs[])(int) = {f0,  f1,  f2,  f3,  f4,  f5,  f6,  f7,  f8,  f9,  f10,
                                 f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21,
                                 f22, f23, f24, f25, f26, f27, f28, f29, f30, f31};
static int (*const hs[])(int) = {h0, h1, h2,  h3,  h4,  h5,  h6,  h7,
                                 h8, h9, h10, h11, h12, h13, h14, h15};
static long (*const ts[])(long) = {t0, t1, t2, t3, t4, t5, t6, t7};

static volatile sig_atomic_t handled;
static volatile sig_atomic_t wrong;

static void on_alarm(int sig) {
    (void)sig;
    int k = handled % 16;
    int x = handled * 13 + 1;
    if (hs[k](x) != (x ^ (k * 7919)))
        wrong = 1;
    handled = handled + 1;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

// Runs first calls of fs[] while a 200 us interval timer interrupts, until `want` more signals
// were handled (or 20 s passed).
static void run_with_timer(int want) {
    int start = handled;
    struct itimerval it = {{0, 200}, {0, 200}};
    setitimer(ITIMER_REAL, &it, NULL);
    volatile long sum = 0;
    double deadline = now() + 20;
    for (int round = 0; handled - start < want && now() < deadline; round++)
        for (int i = 0; i < 32; i++)
            sum += fs[i](round % 5) % 1000;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
}

static void *small_stack_thread(void *arg) {
    long v = (long)arg;
    for (int i = 0; i < 4; i++)
        v = ts[i](v);
    return (void *)v;
}

static void key_destructor(void *value) {
    long v = (long)value;
    for (int i = 4; i < 8; i++)
        v = ts[i](v);
    printf("key destructor: %ld\n", v);
}

static void *keyed_thread(void *arg) {
    pthread_key_t *key = arg;
    pthread_setspecific(*key, (void *)5L);
    return NULL;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    // h0..h7 first called on the thread's stack, often while main compiles an f.
    run_with_timer(8);

    // The same handler on a small alternate signal stack: h8..h15 first called there.
    static char alt[64 * 1024];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    sa.sa_flags = SA_RESTART | SA_ONSTACK;
    sigaction(SIGALRM, &sa, NULL);
    run_with_timer(24);
    printf("handler on both stacks: %s\n", wrong ? "WRONG" : "ok");

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t t;
    void *ret;
    pthread_create(&t, &attr, small_stack_thread, (void *)3L);
    pthread_join(t, &ret);
    printf("small stack thread: %ld\n", (long)ret);

    pthread_key_t key;
    pthread_key_create(&key, key_destructor);
    pthread_create(&t, NULL, keyed_thread, &key);
    pthread_join(t, NULL);
    return wrong;
}
