#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, got_usr2, last_signo, info_signo;

static void on_usr1(int sig) { got_usr1++; last_signo = sig; }
static void on_usr2_info(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    got_usr2++;
    info_signo = si->si_signo + 1000 * (sig == SIGUSR2);
}

int main(void) {
    signal(SIGUSR1, on_usr1);
    for (int i = 0; i < 3; i++) raise(SIGUSR1);
    printf("after raise: got_usr1=%d last_signo==SIGUSR1:%d\n", (int)got_usr1, last_signo == SIGUSR1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr2_info;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    kill(getpid(), SIGUSR2);
    printf("after kill: got_usr2=%d info=%d\n", (int)got_usr2, (int)info_signo - SIGUSR2);
    /* blocked signals are delivered when unblocked */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR1);
    printf("while blocked: got_usr1=%d\n", (int)got_usr1);
    sigset_t pending;
    sigpending(&pending);
    printf("pending USR1: %d\n", sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after unblock: got_usr1=%d\n", (int)got_usr1);
    /* ignored signal */
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored USR2: got_usr2=%d\n", (int)got_usr2);
    /* restore default for SIGUSR1 and check the old handler is returned */
    void (*prev)(int) = signal(SIGUSR1, SIG_DFL);
    printf("previous handler was on_usr1: %d\n", prev == on_usr1);
    return got_usr1 + got_usr2;
}
