/* Many threads make the first calls of many functions at the same moment: each function must be
 * compiled once and every thread must get the right result. */
#include <pthread.h>
#include <stdio.h>

#define F(n) static long f##n(long x) { return x * (n + 1) + (n ^ 0x55); }
#define F10(a) F(a##0) F(a##1) F(a##2) F(a##3) F(a##4) F(a##5) F(a##6) F(a##7) F(a##8) F(a##9)
F10(1) F10(2) F10(3) F10(4) F10(5) F10(6) F10(7) F10(8) F10(9) F10(10) F10(11) F10(12)
#define R(n) f##n,
#define R10(a) R(a##0) R(a##1) R(a##2) R(a##3) R(a##4) R(a##5) R(a##6) R(a##7) R(a##8) R(a##9)
static long (*const table[])(long) = {R10(1) R10(2) R10(3) R10(4) R10(5) R10(6) R10(7) R10(8)
                                      R10(9) R10(10) R10(11) R10(12)};
#define N (sizeof table / sizeof table[0])
#define THREADS 12

static pthread_barrier_t barrier;
static long results[THREADS];

static void *worker(void *arg) {
  long id = (long)arg, sum = 0;
  pthread_barrier_wait(&barrier);
  for (unsigned i = 0; i < N; i++) {
    /* Every thread walks the table in its own order, so first calls collide everywhere. */
    unsigned k = (i * 7 + (unsigned)id * 13) % N;
    sum += table[k](id + (long)i);
  }
  results[id] = sum;
  return 0;
}

int main(void) {
  pthread_t threads[THREADS];
  pthread_barrier_init(&barrier, 0, THREADS);
  for (long i = 0; i < THREADS; i++)
    pthread_create(&threads[i], 0, worker, (void *)i);
  long total = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], 0);
    printf("thread %d: %ld\n", i, results[i]);
    total += results[i];
  }
  printf("functions %zu total %ld\n", N, total);
  return (int)(total % 100);
}
