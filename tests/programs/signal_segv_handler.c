#include <stdio.h>
#include <signal.h>
#include <setjmp.h>
#include <string.h>

/* Recover from SIGSEGV and SIGFPE with sigsetjmp/siglongjmp from the signal handler. */
static sigjmp_buf recover;
static volatile sig_atomic_t last_signal;

static void handler(int sig) {
    last_signal = sig;
    siglongjmp(recover, sig);
}

static int probe_read(int *volatile p) { return *p; }
static int probe_div(volatile int a, volatile int b) { return a / b; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    int good = 1234;
    int *ptrs[] = {&good, NULL, (int *)16, &good};
    volatile int faults = 0;
    for (volatile int i = 0; i < 4; i++) {
        int sig = sigsetjmp(recover, 1);
        if (sig == 0) {
            int v = probe_read(ptrs[i]);
            printf("read %d ok: %d\n", i, v);
        } else {
            faults++;
            printf("read %d faulted with %s\n", i, sig == SIGSEGV ? "SIGSEGV" : "other");
        }
    }
    int divisors[] = {3, 0, -1, 0};
    for (volatile int i = 0; i < 4; i++) {
        int sig = sigsetjmp(recover, 1);
        if (sig == 0) printf("div %d ok: %d\n", i, probe_div(99, divisors[i]));
        else { faults++; printf("div %d faulted with %s\n", i, sig == SIGFPE ? "SIGFPE" : "other"); }
    }
    printf("total faults=%d last=%s\n", faults, last_signal == SIGFPE ? "SIGFPE" : "?");
    return faults;
}
