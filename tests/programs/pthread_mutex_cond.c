#include <stdio.h>
#include <pthread.h>

/* Bounded buffer with one producer per item stream and several consumers. */
#define CAP 8
#define ITEMS 20000
static int buf[CAP];
static int head, tail, count, done_producing;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static long consumed_sum[4];
static int consumed_count[4];

static void *producer(void *arg) {
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&mu);
        while (count == CAP) pthread_cond_wait(&not_full, &mu);
        buf[tail] = i;
        tail = (tail + 1) % CAP;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    done_producing = 1;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *consumer(void *arg) {
    int id = *(int *)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (count == 0 && !done_producing) pthread_cond_wait(&not_empty, &mu);
        if (count == 0 && done_producing) { pthread_mutex_unlock(&mu); break; }
        int v = buf[head];
        head = (head + 1) % CAP;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&mu);
        consumed_sum[id] += v;
        consumed_count[id]++;
    }
    return NULL;
}

/* Ping-pong between two threads with strict alternation: deterministic output order. */
static int turn;
static pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc = PTHREAD_COND_INITIALIZER;
static void *pinger(void *arg) {
    int me = *(int *)arg;
    for (int i = 0; i < 5; i++) {
        pthread_mutex_lock(&pm);
        while (turn != me) pthread_cond_wait(&pc, &pm);
        printf("%s %d\n", me ? "pong" : "ping", i);
        turn = !me;
        pthread_cond_broadcast(&pc);
        pthread_mutex_unlock(&pm);
    }
    return NULL;
}

int main(void) {
    pthread_t p, c[4];
    int ids[4] = {0, 1, 2, 3};
    pthread_create(&p, NULL, producer, NULL);
    for (int i = 0; i < 4; i++) pthread_create(&c[i], NULL, consumer, &ids[i]);
    pthread_join(p, NULL);
    long total = 0;
    int n = 0;
    for (int i = 0; i < 4; i++) { pthread_join(c[i], NULL); total += consumed_sum[i]; n += consumed_count[i]; }
    printf("consumed %d items, sum %ld (expected %ld)\n", n, total, (long)ITEMS * (ITEMS + 1) / 2);
    pthread_t a, b;
    int ia = 0, ib = 1;
    pthread_create(&a, NULL, pinger, &ia);
    pthread_create(&b, NULL, pinger, &ib);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_mutex_t rec;
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rec, &at);
    pthread_mutex_lock(&rec);
    int tl = pthread_mutex_trylock(&rec);
    printf("recursive trylock=%d\n", tl);
    pthread_mutex_unlock(&rec);
    pthread_mutex_unlock(&rec);
    pthread_mutex_destroy(&rec);
    return total == (long)ITEMS * (ITEMS + 1) / 2 ? 0 : 1;
}
