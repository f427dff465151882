#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>

/* A small thread pool with a shared task queue. Each task writes its own result slot,
   so the printed output does not depend on scheduling. */
#define NTASKS 64
#define NWORKERS 4

typedef struct { int n; unsigned long result; } task;
static task tasks[NTASKS];
static int next_task;
static int completed;
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;
static int per_worker[NWORKERS];

static unsigned long work(int n) {
    unsigned long h = (unsigned long)n;
    for (int i = 0; i < 20000 + n * 100; i++) h = h * 6364136223846793005UL + 1442695040888963407UL + (unsigned long)i;
    return h % 1000003;
}

static void *worker(void *arg) {
    int id = (int)(long)arg;
    for (;;) {
        pthread_mutex_lock(&qlock);
        if (next_task == NTASKS) { pthread_mutex_unlock(&qlock); break; }
        int t = next_task++;
        pthread_mutex_unlock(&qlock);
        tasks[t].result = work(tasks[t].n);
        pthread_mutex_lock(&qlock);
        per_worker[id]++;
        if (++completed == NTASKS) pthread_cond_signal(&all_done);
        pthread_mutex_unlock(&qlock);
    }
    return NULL;
}

int main(void) {
    for (int i = 0; i < NTASKS; i++) tasks[i].n = i * 3 + 1;
    pthread_t th[NWORKERS];
    for (long i = 0; i < NWORKERS; i++) pthread_create(&th[i], NULL, worker, (void *)i);
    pthread_mutex_lock(&qlock);
    while (completed < NTASKS) pthread_cond_wait(&all_done, &qlock);
    pthread_mutex_unlock(&qlock);
    for (int i = 0; i < NWORKERS; i++) pthread_join(th[i], NULL);
    unsigned long sum = 0;
    for (int i = 0; i < NTASKS; i++) {
        sum += tasks[i].result;
        if (i % 8 == 0) printf("task %2d (n=%3d) -> %lu\n", i, tasks[i].n, tasks[i].result);
    }
    int total = 0;
    for (int i = 0; i < NWORKERS; i++) total += per_worker[i];
    printf("tasks run=%d sum=%lu\n", total, sum);
    /* verify against serial computation */
    unsigned long serial = 0;
    for (int i = 0; i < NTASKS; i++) serial += work(tasks[i].n);
    printf("serial matches: %s\n", serial == sum ? "yes" : "no");
    return (int)(sum % 256);
}
