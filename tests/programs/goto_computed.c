#include <stdio.h>
#include <stdint.h>

enum { OP_PUSH, OP_ADD, OP_SUB, OP_MUL, OP_DUP, OP_SWAP, OP_JNZ, OP_DEC, OP_PRINT, OP_HALT, OP_OVER, OP_DROP, OP_MOD };

/* Stack-based bytecode interpreter using labels as values (direct threading). */
static long run(const int *code, int trace) {
    static const void *dispatch[] = {
        [OP_PUSH] = &&do_push, [OP_ADD] = &&do_add, [OP_SUB] = &&do_sub, [OP_MUL] = &&do_mul,
        [OP_DUP] = &&do_dup, [OP_SWAP] = &&do_swap, [OP_JNZ] = &&do_jnz, [OP_DEC] = &&do_dec,
        [OP_PRINT] = &&do_print, [OP_HALT] = &&do_halt, [OP_OVER] = &&do_over, [OP_DROP] = &&do_drop,
        [OP_MOD] = &&do_mod,
    };
    long stack[64];
    int sp = 0;
    const int *pc = code;
    long steps = 0;
#define NEXT do { steps++; goto *dispatch[*pc++]; } while (0)
    NEXT;
do_push: stack[sp++] = *pc++; NEXT;
do_add: sp--; stack[sp - 1] += stack[sp]; NEXT;
do_sub: sp--; stack[sp - 1] -= stack[sp]; NEXT;
do_mul: sp--; stack[sp - 1] *= stack[sp]; NEXT;
do_mod: sp--; stack[sp - 1] %= stack[sp]; NEXT;
do_dup: stack[sp] = stack[sp - 1]; sp++; NEXT;
do_over: stack[sp] = stack[sp - 2]; sp++; NEXT;
do_drop: sp--; NEXT;
do_swap: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } NEXT;
do_dec: stack[sp - 1]--; NEXT;
do_jnz: { int target = *pc++; if (stack[sp - 1]) pc = code + target; } NEXT;
do_print: if (trace) printf("  print %ld\n", stack[sp - 1]); NEXT;
do_halt:
    printf("halt after %ld steps, sp=%d\n", steps, sp);
    return sp ? stack[sp - 1] : 0;
#undef NEXT
}

/* Also: a table of label addresses computed relative to a base (the GCC idiom). */
static int classify(int c) {
    static const int offsets[] = {&&digit - &&other, &&alpha - &&other, &&space - &&other, 0};
    int idx = (c >= '0' && c <= '9') ? 0 : ((c | 32) >= 'a' && (c | 32) <= 'z') ? 1 : c == ' ' ? 2 : 3;
    goto *(&&other + offsets[idx]);
digit: return 1;
alpha: return 2;
space: return 3;
other: return 4;
}

int main(void) {
    /* factorial of 10: acc=1, n=10; loop: acc*=n; n--; jnz */
    int fact[] = {
        OP_PUSH, 1, OP_PUSH, 10,          /* acc n */
        OP_DUP, OP_PRINT, OP_DROP,        /* 4: trace n */
        OP_SWAP, OP_OVER, OP_MUL, OP_SWAP,/* 7: acc*n n */
        OP_DEC, OP_JNZ, 4,                /* 11 */
        OP_DROP, OP_PRINT, OP_HALT,
    };
    long r = run(fact, 1);
    printf("10! = %ld\n", r);
    /* sum of i*i mod 7 for i=1..100000 */
    int loop2[] = {
        OP_PUSH, 0, OP_PUSH, 100000,               /* sum i */
        OP_SWAP, OP_OVER, OP_DUP, OP_MUL, OP_PUSH, 7, OP_MOD, OP_ADD, /* 4: i sum' */
        OP_SWAP, OP_DEC, OP_JNZ, 4,                /* sum' i-1 */
        OP_DROP, OP_PRINT, OP_HALT,
    };
    r = run(loop2, 1);
    printf("sum = %ld\n", r);
    const char *s = "abc 123 !?";
    int cls = 0;
    for (const char *p = s; *p; p++) cls = cls * 5 + classify(*p);
    printf("classify code=%d\n", cls);
    return (int)(r % 256);
}
