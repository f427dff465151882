#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_calls;
static int table[100];
static atomic_int key_destructor_calls;
static pthread_key_t key;
static pthread_barrier_t barrier;
static atomic_long total;

static void init_table(void) {
    init_calls++;
    for (int i = 0; i < 100; i++) table[i] = i * i;
}

static void key_dtor(void *p) { (void)p; atomic_fetch_add(&key_destructor_calls, 1); }

static void *worker(void *arg) {
    long id = (long)arg;
    pthread_once(&once, init_table);
    pthread_setspecific(key, (void *)(id + 1));
    pthread_barrier_wait(&barrier);       /* everybody has initialised */
    long s = 0;
    for (int i = 0; i < 100; i++) s += table[i] * (id + 1);
    if ((long)pthread_getspecific(key) != id + 1) s = -1;
    atomic_fetch_add(&total, s);
    return NULL;
}

int main(void) {
    pthread_key_create(&key, key_dtor);
    pthread_barrier_init(&barrier, NULL, 5);
    pthread_t th[5];
    for (long i = 0; i < 5; i++) pthread_create(&th[i], NULL, worker, (void *)i);
    for (int i = 0; i < 5; i++) pthread_join(th[i], NULL);
    pthread_once(&once, init_table);
    printf("init_calls=%d total=%ld key destructor calls=%d\n", init_calls, atomic_load(&total),
           atomic_load(&key_destructor_calls));
    pthread_barrier_destroy(&barrier);
    pthread_key_delete(key);
    atomic_int ai = 0;
    for (int i = 0; i < 10; i++) atomic_fetch_add(&ai, i);
    int expected = 45;
    int swapped = atomic_compare_exchange_strong(&ai, &expected, 100);
    printf("cas swapped=%d value=%d\n", swapped, atomic_load(&ai));
    return init_calls;
}
