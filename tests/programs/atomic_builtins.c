#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

static long plain_counter;
static atomic_long c11_counter;
static long sync_counter;
static long gnu_counter;
static atomic_flag spin = ATOMIC_FLAG_INIT;
static long spin_protected;
static _Atomic uint64_t max_seen;

static void *worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < 20000; i++) {
        atomic_fetch_add_explicit(&c11_counter, 1, memory_order_relaxed);
        __sync_fetch_and_add(&sync_counter, 2);
        __atomic_add_fetch(&gnu_counter, 3, __ATOMIC_SEQ_CST);
        if (i % 100 == 0) {
            while (atomic_flag_test_and_set_explicit(&spin, memory_order_acquire)) {}
            spin_protected += id;
            atomic_flag_clear_explicit(&spin, memory_order_release);
        }
        uint64_t v = (uint64_t)(id * 100000 + i), cur = atomic_load(&max_seen);
        while (v > cur && !atomic_compare_exchange_weak(&max_seen, &cur, v)) {}
    }
    return NULL;
}

int main(void) {
    pthread_t th[4];
    for (long i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    printf("c11=%ld sync=%ld gnu=%ld spin=%ld max=%llu\n", atomic_load(&c11_counter), sync_counter, gnu_counter,
           spin_protected, (unsigned long long)atomic_load(&max_seen));
    /* single-threaded semantics of the builtins */
    int x = 10;
    printf("fetch_add=%d now=%d\n", __atomic_fetch_add(&x, 5, __ATOMIC_RELAXED), x);
    int old = __atomic_exchange_n(&x, 99, __ATOMIC_SEQ_CST);
    printf("exchange old=%d new=%d\n", old, x);
    int expected = 98;
    int ok = __atomic_compare_exchange_n(&x, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    printf("cas with wrong expected: ok=%d expected now=%d\n", ok, expected);
    ok = __sync_bool_compare_and_swap(&x, 99, 7);
    printf("sync cas ok=%d x=%d\n", ok, x);
    unsigned flags = 0xF0;
    __atomic_fetch_or(&flags, 0x0F, __ATOMIC_RELAXED);
    __atomic_fetch_and(&flags, 0x3C, __ATOMIC_RELAXED);
    __atomic_fetch_xor(&flags, 0xFF, __ATOMIC_RELAXED);
    printf("flags=%#x lock_free(8)=%d\n", flags, __atomic_always_lock_free(8, 0));
    uint64_t wide = 0;
    __atomic_store_n(&wide, (uint64_t)1 << 60, __ATOMIC_SEQ_CST);
    uint64_t got = __atomic_load_n(&wide, __ATOMIC_SEQ_CST);
    printf("64-bit atomic load=%llx\n", (unsigned long long)got);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    plain_counter = sync_counter / 2;
    return (int)(plain_counter % 256);
}
