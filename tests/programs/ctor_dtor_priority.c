#include <stdio.h>
#include <stdlib.h>

static int order;

__attribute__((constructor)) static void ctor_plain(void) { printf("ctor plain (order %d)\n", order++); }
__attribute__((constructor(101))) static void ctor_101(void) { printf("ctor 101 (order %d)\n", order++); }
__attribute__((constructor(300))) static void ctor_300(void) { printf("ctor 300 (order %d)\n", order++); }
__attribute__((constructor(102))) static void ctor_102(void) { printf("ctor 102 (order %d)\n", order++); }

__attribute__((destructor)) static void dtor_plain(void) { printf("dtor plain\n"); }
__attribute__((destructor(101))) static void dtor_101(void) { printf("dtor 101 (last)\n"); }
__attribute__((destructor(102))) static void dtor_102(void) { printf("dtor 102\n"); }
__attribute__((destructor(300))) static void dtor_300(void) { printf("dtor 300\n"); }

static void at_exit_1(void) { printf("atexit handler 1 (registered first)\n"); }
static void at_exit_2(void) { printf("atexit handler 2 (registered second)\n"); }
static void at_exit_from_ctor(void) { printf("atexit registered from ctor\n"); }

__attribute__((constructor(200))) static void ctor_registers_atexit(void) {
    printf("ctor 200 registers atexit (order %d)\n", order++);
    atexit(at_exit_from_ctor);
}

int global_initialized_before_ctors = 42;

int main(void) {
    printf("main starts, order=%d global=%d\n", order, global_initialized_before_ctors);
    atexit(at_exit_1);
    atexit(at_exit_2);
    printf("main returns 5\n");
    return 5;
}
