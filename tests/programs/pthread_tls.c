#include <stdio.h>
#include <pthread.h>
#include <string.h>

static __thread int tls_counter = 5;
static _Thread_local char tls_name[16] = "main";
static _Thread_local unsigned long tls_array[4] = {1, 2, 3, 4};
__thread int *tls_ptr;
static int shared_results[8][3];

static int bump(int k) { tls_counter += k; tls_array[k & 3] = tls_array[k & 3] * 3 % 1000003; return tls_counter; }

static void *thread_fn(void *arg) {
    int id = (int)(long)arg;
    snprintf(tls_name, sizeof tls_name, "worker-%d", id);
    int local = id * 100;
    tls_ptr = &local;
    for (int i = 0; i < 1000; i++) bump(id + i % 3);
    *tls_ptr += tls_counter;
    shared_results[id][0] = tls_counter;
    shared_results[id][1] = (int)((tls_array[0] + tls_array[1] + tls_array[2] + tls_array[3]) % 100000);
    shared_results[id][2] = (int)strlen(tls_name) * 1000 + local % 1000;
    return NULL;
}

int main(void) {
    pthread_t th[8];
    for (long i = 0; i < 8; i++) pthread_create(&th[i], NULL, thread_fn, (void *)i);
    for (int i = 0; i < 8; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        printf("thread %d: counter=%d arraysum%%=%d name/local=%d\n", i, shared_results[i][0], shared_results[i][1],
               shared_results[i][2]);
    printf("main still sees counter=%d name=%s array=%lu,%lu,%lu,%lu ptr=%s\n", tls_counter, tls_name, tls_array[0],
           tls_array[1], tls_array[2], tls_array[3], tls_ptr ? "set" : "NULL");
    bump(2);
    printf("main after bump: %d %lu\n", tls_counter, tls_array[2]);
    return tls_counter;
}
