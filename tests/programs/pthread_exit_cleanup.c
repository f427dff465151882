// irjit-test: cflags=-fexceptions
/* pthread_exit and pthread_cancel unwind the thread's stack (a forced unwind through libgcc_s)
 * and run the cleanups of every frame on the way: `cleanup` variables and pthread_cleanup_push
 * handlers, compiled with -fexceptions into unwind tables of the JIT'd frames. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

static sem_t ready;

static void say(const char **what) { printf("cleanup: %s\n", *what); }
static void handler(void *what) { printf("handler: %s\n", (const char *)what); }

static void __attribute__((noinline)) leave(int depth) {
    const char *name __attribute__((cleanup(say))) = depth == 0 ? "innermost" : "outer";
    if (depth == 0)
        pthread_exit((void *)42);
    leave(depth - 1);
    printf("not reached\n");
}

static void *exiting(void *arg) {
    (void)arg;
    pthread_cleanup_push(handler, "exiting thread");
    leave(2);
    pthread_cleanup_pop(0);
    return NULL;
}

static void __attribute__((noinline)) wait_forever(int depth) {
    const char *name __attribute__((cleanup(say))) = depth == 0 ? "waiting" : "caller";
    if (depth == 0) {
        sem_post(&ready);
        for (;;) {
            struct timespec second = {1, 0};
            nanosleep(&second, NULL); /* a cancellation point */
        }
    }
    wait_forever(depth - 1);
}

static void *cancelled(void *arg) {
    (void)arg;
    pthread_cleanup_push(handler, "cancelled thread");
    wait_forever(1);
    pthread_cleanup_pop(0);
    return NULL;
}

int main(void) {
    pthread_t t;
    void *result;
    pthread_create(&t, NULL, exiting, NULL);
    pthread_join(t, &result);
    printf("exit value: %ld\n", (long)result);

    sem_init(&ready, 0, 0);
    pthread_create(&t, NULL, cancelled, NULL);
    sem_wait(&ready);
    pthread_cancel(t);
    pthread_join(t, &result);
    printf("cancelled: %s\n", result == PTHREAD_CANCELED ? "yes" : "no");
    return 0;
}
