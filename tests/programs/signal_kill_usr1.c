#include <stdio.h>
#include <signal.h>
#include <unistd.h>

int main(void) {
    long s = 0;
    for (int i = 0; i < 1000; i++) s += i;
    printf("sum=%ld, now sending SIGUSR1 to myself\n", s);
    fflush(stdout);
    kill(getpid(), SIGUSR1);
    printf("not reached\n");
    return 0;
}
