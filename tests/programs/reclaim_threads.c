/* Superseded code freed while several threads run it: four workers call a rotating set of
 * functions that tier up under them, and a fifth thread sleeps; reclamation must never cut its
 * sleep short (threads blocked in the kernel are looked at without a signal). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define F(n)                                                                  \
  static unsigned long f##n(unsigned long x) {                                \
    unsigned long acc = x;                                                    \
    for (int i = 0; i < 8; i++) acc = acc * 2862933555777941757ul + n * i;    \
    return acc ^ (acc >> 29);                                                 \
  }
#define F10(t) F(t##0) F(t##1) F(t##2) F(t##3) F(t##4) F(t##5) F(t##6) F(t##7) F(t##8) F(t##9)
F10(1) F10(2) F10(3) F10(4) F10(5) F10(6)

typedef unsigned long (*fn)(unsigned long);
#define P(n) f##n,
#define P10(t) P(t##0) P(t##1) P(t##2) P(t##3) P(t##4) P(t##5) P(t##6) P(t##7) P(t##8) P(t##9)
static fn table[] = {P10(1) P10(2) P10(3) P10(4) P10(5) P10(6)};
#define NF ((int)(sizeof table / sizeof table[0]))

struct job {
  int id;
  unsigned long result;
};

static void *worker(void *arg) {
  struct job *job = arg;
  unsigned long acc = (unsigned long)job->id;
  for (int round = 0; round < 400; round++)
    for (int f = 0; f < NF; f++)
      for (int k = 0; k < 60; k++) acc += table[(f + job->id * 7 + round) % NF](acc + k);
  job->result = acc;
  return NULL;
}

static void *sleeper(void *arg) {
  int *interrupted = arg;
  for (int i = 0; i < 4; i++) {
    struct timespec t = {0, 50 * 1000 * 1000};
    if (nanosleep(&t, NULL) != 0 && errno == EINTR) ++*interrupted;
  }
  return NULL;
}

int main(void) {
  pthread_t threads[4], sleeping;
  struct job jobs[4];
  int interrupted = 0;
  if (pthread_create(&sleeping, NULL, sleeper, &interrupted) != 0) return 1;
  for (int i = 0; i < 4; i++) {
    jobs[i].id = i;
    if (pthread_create(&threads[i], NULL, worker, &jobs[i]) != 0) return 1;
  }
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  pthread_join(sleeping, NULL);
  for (int i = 0; i < 4; i++) printf("worker %d: %016lx\n", i, jobs[i].result);
  printf("sleeps interrupted: %d\n", interrupted);
  return 0;
}
