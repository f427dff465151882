// A quiet period (the runtime's threads leave once nothing is at tier 0 any more), then a fork
// and a thread: the child and the new thread call a function left at tier 0, which must wake
// the runtime in each process. Natively the process is single-threaded at once.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/single_threaded.h>
#include <sys/wait.h>
#include <unistd.h>

static long work(long x) { return (x * 7) ^ (x >> 2); }
long lukewarm(long x) { return x % 7; }
long (*volatile lukewarm_ptr)(long) = lukewarm;

// Spins in tier-2 code (once its loop moves there) until the process is single-threaded again.
long wait_until_single(long rounds) {
  long s = 0;
  for (long r = 0; !*(volatile char *)&__libc_single_threaded && r < rounds; r++)
    for (long i = 0; i < 1000; i++) s += work(i);
  return s;
}

long many(long n) {
  long c = 0;
  for (long j = 0; j < n; j++) c += lukewarm_ptr(j);
  return c;
}

static void *thread_main(void *arg) { return (void *)many((long)arg); }

int main(void) {
  for (int i = 0; i < 20; i++) lukewarm(i);
  wait_until_single(100000);
  pid_t child = fork();
  if (child == 0) {
    printf("child %ld\n", many(3000000));
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  printf("child exited %d\n", WEXITSTATUS(status));
  wait_until_single(100000);
  pthread_t t;
  pthread_create(&t, 0, thread_main, (void *)2000000L);
  void *r;
  pthread_join(t, &r);
  printf("thread %ld main %ld\n", (long)r, many(1000));
  return 0;
}
