// OSR case: interpreters written with computed gotos (GNU labels as values), the way Lua's
// luaV_execute dispatches. Each runs a bytecode program in one call that never returns while it
// is hot, so only OSR can move it to optimized code. The continuation must jump through a
// dispatch table of its own: the tier-0 function's table names the tier-0 blocks.
//
// `resumable` keeps a block address in a variable, which OSR refuses.
//
// `threaded` dispatches at the end of every handler (no loop around the dispatch, as Lua's
// jump-table build); its natural loop is a `goto` back to `frame:` on CALL, as Lua's
// `goto startfunc`. `looped` dispatches once per turn of a `for (;;)` loop.
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, ADD, MUL, XOR, DUP, DEC, JNZ, CALL, RET, HALT, SWAP };

typedef struct {
    long pc;
    long depth;
} Frame;

// Runs `code` on a small stack machine; CALL re-enters the interpreter's frame setup (a natural
// loop through `frame:`), RET leaves it.
static long threaded(const long *code, long entry, long *steps_out) {
    static const void *const table[] = {&&op_push, &&op_add, &&op_mul, &&op_xor,
                                        &&op_dup,  &&op_dec, &&op_jnz, &&op_call,
                                        &&op_ret,  &&op_halt, &&op_swap};
    long stack[64];
    Frame frames[32];
    long sp = 0, fp = 0, steps = 0;
    long pc = entry;
    stack[sp++] = 3;
frame:
    steps++;
    frames[fp].pc = pc;
    frames[fp].depth = sp;
    goto *table[code[pc]];
op_push:
    stack[sp++] = code[pc + 1];
    pc += 2;
    steps++;
    goto *table[code[pc]];
op_add:
    sp--;
    stack[sp - 1] += stack[sp];
    pc++;
    steps++;
    goto *table[code[pc]];
op_mul:
    sp--;
    stack[sp - 1] = stack[sp - 1] * stack[sp] % 1000000007;
    pc++;
    steps++;
    goto *table[code[pc]];
op_xor:
    sp--;
    stack[sp - 1] ^= stack[sp];
    pc++;
    steps++;
    goto *table[code[pc]];
op_dup:
    stack[sp] = stack[sp - 1];
    sp++;
    pc++;
    steps++;
    goto *table[code[pc]];
op_dec:
    stack[sp - 1]--;
    pc++;
    steps++;
    goto *table[code[pc]];
op_jnz:
    pc = stack[--sp] ? code[pc + 1] : pc + 2;
    steps++;
    goto *table[code[pc]];
op_swap: {
    long t = stack[sp - 1];
    stack[sp - 1] = stack[sp - 2];
    stack[sp - 2] = t;
    pc++;
    steps++;
    goto *table[code[pc]];
}
op_call:
    // The callee's pc; the return address is kept in the frame.
    frames[fp].pc = pc + 2;
    fp++;
    pc = code[pc + 1];
    goto frame;
op_ret:
    fp--;
    pc = frames[fp].pc;
    steps++;
    goto *table[code[pc]];
op_halt:
    *steps_out = steps;
    return stack[sp - 1];
}

// The same machine, one dispatch per turn of a loop; no CALL.
static long looped(const long *code, long *steps_out) {
    static const void *const table[] = {&&op_push, &&op_add, &&op_mul, &&op_xor,
                                        &&op_dup,  &&op_dec, &&op_jnz, &&op_halt,
                                        &&op_halt, &&op_halt, &&op_swap};
    long stack[64];
    long sp = 0, pc = 0, steps = 0;
    stack[sp++] = 5;
    for (;;) {
        steps++;
        goto *table[code[pc]];
    op_push:
        stack[sp++] = code[pc + 1];
        pc += 2;
        continue;
    op_add:
        sp--;
        stack[sp - 1] += stack[sp];
        pc++;
        continue;
    op_mul:
        sp--;
        stack[sp - 1] = stack[sp - 1] * stack[sp] % 1000000007;
        pc++;
        continue;
    op_xor:
        sp--;
        stack[sp - 1] ^= stack[sp];
        pc++;
        continue;
    op_dup:
        stack[sp] = stack[sp - 1];
        sp++;
        pc++;
        continue;
    op_dec:
        stack[sp - 1]--;
        pc++;
        continue;
    op_jnz:
        pc = stack[--sp] ? code[pc + 1] : pc + 2;
        continue;
    op_swap: {
        long t = stack[sp - 1];
        stack[sp - 1] = stack[sp - 2];
        stack[sp - 2] = t;
        pc++;
        continue;
    }
    op_halt:
        break;
    }
    *steps_out = steps;
    return stack[sp - 1];
}

// A block address kept in a variable from one turn to the next: a continuation would resume at
// the tier-0 function's block, so this function gets no OSR entry (it stays in its tier); its
// result must be right all the same.
static long resumable(long n) {
    void *resume = &&first;
    long acc = 1;
    for (long i = 0; i < n; i++) {
        goto *resume;
    first:
        acc = acc * 3 % 1000003;
        resume = &&second;
        continue;
    second:
        acc = (acc + i) % 1000003;
        resume = &&first;
    }
    return acc;
}

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 3000000;
    // threaded: the accumulator under the counter; each round calls `body` (at 20) on the
    // accumulator, then counts down.
    long prog[] = {
        /* 0 */ PUSH, 0,        // the counter, set below
        /* 2 */ SWAP, CALL, 20, // body(accumulator)
        /* 5 */ SWAP, DEC, DUP, JNZ, 2,
        /* 10 */ ADD, HALT, 0, 0, 0, 0, 0, 0, 0, 0,
        /* 20 */ PUSH, 31, MUL, PUSH, 7, XOR, DUP, DUP, MUL, ADD, RET,
    };
    prog[1] = rounds;
    long steps = 0;
    long r1 = threaded(prog, 0, &steps);
    printf("threaded: %ld after %ld steps\n", r1, steps);

    // looped: the same round inline.
    long prog2[] = {
        /* 0 */ PUSH, 0,
        /* 2 */ SWAP, PUSH, 13, XOR, DUP, PUSH, 3, MUL, ADD, SWAP, DEC, DUP, JNZ, 2,
        /* 16 */ ADD, HALT,
    };
    prog2[1] = rounds;
    long r2 = looped(prog2, &steps);
    printf("looped: %ld after %ld steps\n", r2, steps);
    long r3 = resumable(rounds);
    printf("resumable: %ld\n", r3);
    return (int)((r1 ^ r2 ^ r3) & 0x3f);
}
