#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdint.h>

struct job { int id; long from, to; long result; };

static void *sum_squares(void *arg) {
    struct job *j = arg;
    long s = 0;
    for (long i = j->from; i < j->to; i++) s += i * i % 1000;
    j->result = s;
    return (void *)(intptr_t)(j->id * 10);
}

static void *returns_heap(void *arg) {
    long n = (long)(intptr_t)arg;
    long *res = malloc(sizeof *res);
    long f = 1;
    for (long i = 2; i <= n; i++) f *= i;
    *res = f;
    return res;
}

int main(void) {
    enum { NT = 6 };
    pthread_t th[NT];
    struct job jobs[NT];
    for (int i = 0; i < NT; i++) {
        jobs[i] = (struct job){i, i * 100000L, (i + 1) * 100000L, 0};
        if (pthread_create(&th[i], NULL, sum_squares, &jobs[i]) != 0) { perror("pthread_create"); return 1; }
    }
    long total = 0;
    for (int i = 0; i < NT; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        printf("thread %d returned %ld, partial sum %ld\n", i, (long)(intptr_t)ret, jobs[i].result);
        total += jobs[i].result;
    }
    printf("total=%ld\n", total);
    pthread_t t2[3];
    for (long i = 0; i < 3; i++) pthread_create(&t2[i], NULL, returns_heap, (void *)(intptr_t)(10 + i * 5));
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t2[i], &r);
        printf("factorial(%d)=%ld\n", 10 + i * 5, *(long *)r);
        free(r);
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    pthread_t t3;
    struct job j3 = {99, 0, 1000, 0};
    pthread_create(&t3, &attr, sum_squares, &j3);
    pthread_attr_destroy(&attr);
    void *r3;
    pthread_join(t3, &r3);
    printf("custom stack thread: %ld %ld\n", (long)(intptr_t)r3, j3.result);
    return (int)(total % 256);
}
