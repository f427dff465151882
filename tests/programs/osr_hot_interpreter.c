/* OSR in a large function that gets hot by its many short calls before one long call stays
   in its loop (as SQLite's sqlite3VdbeExec runs a whole query in one call): the function's
   tier-2 compile also gives the continuation the long call enters. */
#include <stdio.h>
#include <stdlib.h>

#define OPS 72

static unsigned long tab[64];

/* A little bytecode interpreter: each step runs the operation prog[pc] and moves on. */
__attribute__((noinline)) unsigned long exec(const unsigned char *prog, int len, long steps,
                                             unsigned long acc) {
  unsigned long x = 7;
  int pc = 0;
  for (long s = 0; s < steps; s++) {
    switch (prog[pc]) {
    case 0: acc = acc * 4 + (x >> 1) + 4; x ^= acc << 0; x += 4; acc -= (x % 6) * 4; x = x * 31 + 0; break;
    case 1: x ^= acc << 1; x += 9; acc -= (x % 13) * 9; x = x * 31 + 1; tab[(x + 1) & 63] += acc & 0xff; acc += tab[(acc + 9) & 63]; break;
    case 2: acc -= (x % 7) * 14; x = x * 31 + 2; tab[(x + 2) & 63] += acc & 0xff; acc += tab[(acc + 14) & 63]; if (acc & 4) acc = acc / 3 + 14; else acc = acc * 5 - x; break;
    case 3: tab[(x + 3) & 63] += acc & 0xff; acc += tab[(acc + 19) & 63]; if (acc & 8) acc = acc / 3 + 19; else acc = acc * 5 - x; acc = acc * 12 + (x >> 4) + 19; break;
    case 4: if (acc & 16) acc = acc / 3 + 24; else acc = acc * 5 - x; acc = acc * 6 + (x >> 5) + 24; x ^= acc << 4; x += 24; break;
    case 5: acc = acc * 13 + (x >> 1) + 29; x ^= acc << 0; x += 29; acc -= (x % 15) * 29; x = x * 31 + 5; break;
    case 6: x ^= acc << 1; x += 5; acc -= (x % 9) * 5; x = x * 31 + 6; tab[(x + 6) & 63] += acc & 0xff; acc += tab[(acc + 5) & 63]; break;
    case 7: acc -= (x % 3) * 10; x = x * 31 + 7; tab[(x + 7) & 63] += acc & 0xff; acc += tab[(acc + 10) & 63]; if (acc & 4) acc = acc / 3 + 10; else acc = acc * 5 - x; break;
    case 8: tab[(x + 8) & 63] += acc & 0xff; acc += tab[(acc + 15) & 63]; if (acc & 8) acc = acc / 3 + 15; else acc = acc * 5 - x; acc = acc * 8 + (x >> 4) + 15; break;
    case 9: if (acc & 16) acc = acc / 3 + 20; else acc = acc * 5 - x; acc = acc * 2 + (x >> 5) + 20; x ^= acc << 4; x += 20; break;
    case 10: acc = acc * 9 + (x >> 1) + 25; x ^= acc << 0; x += 25; acc -= (x % 11) * 25; x = x * 31 + 10; break;
    case 11: x ^= acc << 1; x += 30; acc -= (x % 5) * 30; x = x * 31 + 11; tab[(x + 11) & 63] += acc & 0xff; acc += tab[(acc + 30) & 63]; break;
    case 12: acc -= (x % 12) * 6; x = x * 31 + 12; tab[(x + 12) & 63] += acc & 0xff; acc += tab[(acc + 6) & 63]; if (acc & 4) acc = acc / 3 + 6; else acc = acc * 5 - x; break;
    case 13: tab[(x + 13) & 63] += acc & 0xff; acc += tab[(acc + 11) & 63]; if (acc & 8) acc = acc / 3 + 11; else acc = acc * 5 - x; acc = acc * 4 + (x >> 4) + 11; break;
    case 14: if (acc & 16) acc = acc / 3 + 16; else acc = acc * 5 - x; acc = acc * 11 + (x >> 5) + 16; x ^= acc << 4; x += 16; break;
    case 15: acc = acc * 5 + (x >> 1) + 21; x ^= acc << 0; x += 21; acc -= (x % 7) * 21; x = x * 31 + 15; break;
    case 16: x ^= acc << 1; x += 26; acc -= (x % 14) * 26; x = x * 31 + 16; tab[(x + 16) & 63] += acc & 0xff; acc += tab[(acc + 26) & 63]; break;
    case 17: acc -= (x % 8) * 31; x = x * 31 + 17; tab[(x + 17) & 63] += acc & 0xff; acc += tab[(acc + 31) & 63]; if (acc & 4) acc = acc / 3 + 31; else acc = acc * 5 - x; break;
    case 18: tab[(x + 18) & 63] += acc & 0xff; acc += tab[(acc + 7) & 63]; if (acc & 8) acc = acc / 3 + 7; else acc = acc * 5 - x; acc = acc * 13 + (x >> 4) + 7; break;
    case 19: if (acc & 16) acc = acc / 3 + 12; else acc = acc * 5 - x; acc = acc * 7 + (x >> 5) + 12; x ^= acc << 4; x += 12; break;
    case 20: acc = acc * 1 + (x >> 1) + 17; x ^= acc << 0; x += 17; acc -= (x % 3) * 17; x = x * 31 + 20; break;
    case 21: x ^= acc << 1; x += 22; acc -= (x % 10) * 22; x = x * 31 + 21; tab[(x + 21) & 63] += acc & 0xff; acc += tab[(acc + 22) & 63]; break;
    case 22: acc -= (x % 4) * 27; x = x * 31 + 22; tab[(x + 22) & 63] += acc & 0xff; acc += tab[(acc + 27) & 63]; if (acc & 4) acc = acc / 3 + 27; else acc = acc * 5 - x; break;
    case 23: tab[(x + 23) & 63] += acc & 0xff; acc += tab[(acc + 3) & 63]; if (acc & 8) acc = acc / 3 + 3; else acc = acc * 5 - x; acc = acc * 9 + (x >> 4) + 3; break;
    case 24: if (acc & 16) acc = acc / 3 + 8; else acc = acc * 5 - x; acc = acc * 3 + (x >> 5) + 8; x ^= acc << 4; x += 8; break;
    case 25: acc = acc * 10 + (x >> 1) + 13; x ^= acc << 0; x += 13; acc -= (x % 12) * 13; x = x * 31 + 25; break;
    case 26: x ^= acc << 1; x += 18; acc -= (x % 6) * 18; x = x * 31 + 26; tab[(x + 26) & 63] += acc & 0xff; acc += tab[(acc + 18) & 63]; break;
    case 27: acc -= (x % 13) * 23; x = x * 31 + 27; tab[(x + 27) & 63] += acc & 0xff; acc += tab[(acc + 23) & 63]; if (acc & 4) acc = acc / 3 + 23; else acc = acc * 5 - x; break;
    case 28: tab[(x + 28) & 63] += acc & 0xff; acc += tab[(acc + 28) & 63]; if (acc & 8) acc = acc / 3 + 28; else acc = acc * 5 - x; acc = acc * 5 + (x >> 4) + 28; break;
    case 29: if (acc & 16) acc = acc / 3 + 4; else acc = acc * 5 - x; acc = acc * 12 + (x >> 5) + 4; x ^= acc << 4; x += 4; break;
    case 30: acc = acc * 6 + (x >> 1) + 9; x ^= acc << 0; x += 9; acc -= (x % 8) * 9; x = x * 31 + 30; break;
    case 31: x ^= acc << 1; x += 14; acc -= (x % 15) * 14; x = x * 31 + 31; tab[(x + 31) & 63] += acc & 0xff; acc += tab[(acc + 14) & 63]; break;
    case 32: acc -= (x % 9) * 19; x = x * 31 + 32; tab[(x + 32) & 63] += acc & 0xff; acc += tab[(acc + 19) & 63]; if (acc & 4) acc = acc / 3 + 19; else acc = acc * 5 - x; break;
    case 33: tab[(x + 33) & 63] += acc & 0xff; acc += tab[(acc + 24) & 63]; if (acc & 8) acc = acc / 3 + 24; else acc = acc * 5 - x; acc = acc * 1 + (x >> 4) + 24; break;
    case 34: if (acc & 16) acc = acc / 3 + 29; else acc = acc * 5 - x; acc = acc * 8 + (x >> 5) + 29; x ^= acc << 4; x += 29; break;
    case 35: acc = acc * 2 + (x >> 1) + 5; x ^= acc << 0; x += 5; acc -= (x % 4) * 5; x = x * 31 + 35; break;
    case 36: x ^= acc << 1; x += 10; acc -= (x % 11) * 10; x = x * 31 + 36; tab[(x + 36) & 63] += acc & 0xff; acc += tab[(acc + 10) & 63]; break;
    case 37: acc -= (x % 5) * 15; x = x * 31 + 37; tab[(x + 37) & 63] += acc & 0xff; acc += tab[(acc + 15) & 63]; if (acc & 4) acc = acc / 3 + 15; else acc = acc * 5 - x; break;
    case 38: tab[(x + 38) & 63] += acc & 0xff; acc += tab[(acc + 20) & 63]; if (acc & 8) acc = acc / 3 + 20; else acc = acc * 5 - x; acc = acc * 10 + (x >> 4) + 20; break;
    case 39: if (acc & 16) acc = acc / 3 + 25; else acc = acc * 5 - x; acc = acc * 4 + (x >> 5) + 25; x ^= acc << 4; x += 25; break;
    case 40: acc = acc * 11 + (x >> 1) + 30; x ^= acc << 0; x += 30; acc -= (x % 13) * 30; x = x * 31 + 40; break;
    case 41: x ^= acc << 1; x += 6; acc -= (x % 7) * 6; x = x * 31 + 41; tab[(x + 41) & 63] += acc & 0xff; acc += tab[(acc + 6) & 63]; break;
    case 42: acc -= (x % 14) * 11; x = x * 31 + 42; tab[(x + 42) & 63] += acc & 0xff; acc += tab[(acc + 11) & 63]; if (acc & 4) acc = acc / 3 + 11; else acc = acc * 5 - x; break;
    case 43: tab[(x + 43) & 63] += acc & 0xff; acc += tab[(acc + 16) & 63]; if (acc & 8) acc = acc / 3 + 16; else acc = acc * 5 - x; acc = acc * 6 + (x >> 4) + 16; break;
    case 44: if (acc & 16) acc = acc / 3 + 21; else acc = acc * 5 - x; acc = acc * 13 + (x >> 5) + 21; x ^= acc << 4; x += 21; break;
    case 45: acc = acc * 7 + (x >> 1) + 26; x ^= acc << 0; x += 26; acc -= (x % 9) * 26; x = x * 31 + 45; break;
    case 46: x ^= acc << 1; x += 31; acc -= (x % 3) * 31; x = x * 31 + 46; tab[(x + 46) & 63] += acc & 0xff; acc += tab[(acc + 31) & 63]; break;
    case 47: acc -= (x % 10) * 7; x = x * 31 + 47; tab[(x + 47) & 63] += acc & 0xff; acc += tab[(acc + 7) & 63]; if (acc & 4) acc = acc / 3 + 7; else acc = acc * 5 - x; break;
    case 48: tab[(x + 48) & 63] += acc & 0xff; acc += tab[(acc + 12) & 63]; if (acc & 8) acc = acc / 3 + 12; else acc = acc * 5 - x; acc = acc * 2 + (x >> 4) + 12; break;
    case 49: if (acc & 16) acc = acc / 3 + 17; else acc = acc * 5 - x; acc = acc * 9 + (x >> 5) + 17; x ^= acc << 4; x += 17; break;
    case 50: acc = acc * 3 + (x >> 1) + 22; x ^= acc << 0; x += 22; acc -= (x % 5) * 22; x = x * 31 + 50; break;
    case 51: x ^= acc << 1; x += 27; acc -= (x % 12) * 27; x = x * 31 + 51; tab[(x + 51) & 63] += acc & 0xff; acc += tab[(acc + 27) & 63]; break;
    case 52: acc -= (x % 6) * 3; x = x * 31 + 52; tab[(x + 52) & 63] += acc & 0xff; acc += tab[(acc + 3) & 63]; if (acc & 4) acc = acc / 3 + 3; else acc = acc * 5 - x; break;
    case 53: tab[(x + 53) & 63] += acc & 0xff; acc += tab[(acc + 8) & 63]; if (acc & 8) acc = acc / 3 + 8; else acc = acc * 5 - x; acc = acc * 11 + (x >> 4) + 8; break;
    case 54: if (acc & 16) acc = acc / 3 + 13; else acc = acc * 5 - x; acc = acc * 5 + (x >> 5) + 13; x ^= acc << 4; x += 13; break;
    case 55: acc = acc * 12 + (x >> 1) + 18; x ^= acc << 0; x += 18; acc -= (x % 14) * 18; x = x * 31 + 55; break;
    case 56: x ^= acc << 1; x += 23; acc -= (x % 8) * 23; x = x * 31 + 56; tab[(x + 56) & 63] += acc & 0xff; acc += tab[(acc + 23) & 63]; break;
    case 57: acc -= (x % 15) * 28; x = x * 31 + 57; tab[(x + 57) & 63] += acc & 0xff; acc += tab[(acc + 28) & 63]; if (acc & 4) acc = acc / 3 + 28; else acc = acc * 5 - x; break;
    case 58: tab[(x + 58) & 63] += acc & 0xff; acc += tab[(acc + 4) & 63]; if (acc & 8) acc = acc / 3 + 4; else acc = acc * 5 - x; acc = acc * 7 + (x >> 4) + 4; break;
    case 59: if (acc & 16) acc = acc / 3 + 9; else acc = acc * 5 - x; acc = acc * 1 + (x >> 5) + 9; x ^= acc << 4; x += 9; break;
    case 60: acc = acc * 8 + (x >> 1) + 14; x ^= acc << 0; x += 14; acc -= (x % 10) * 14; x = x * 31 + 60; break;
    case 61: x ^= acc << 1; x += 19; acc -= (x % 4) * 19; x = x * 31 + 61; tab[(x + 61) & 63] += acc & 0xff; acc += tab[(acc + 19) & 63]; break;
    case 62: acc -= (x % 11) * 24; x = x * 31 + 62; tab[(x + 62) & 63] += acc & 0xff; acc += tab[(acc + 24) & 63]; if (acc & 4) acc = acc / 3 + 24; else acc = acc * 5 - x; break;
    case 63: tab[(x + 63) & 63] += acc & 0xff; acc += tab[(acc + 29) & 63]; if (acc & 8) acc = acc / 3 + 29; else acc = acc * 5 - x; acc = acc * 3 + (x >> 4) + 29; break;
    case 64: if (acc & 16) acc = acc / 3 + 5; else acc = acc * 5 - x; acc = acc * 10 + (x >> 5) + 5; x ^= acc << 4; x += 5; break;
    case 65: acc = acc * 4 + (x >> 1) + 10; x ^= acc << 0; x += 10; acc -= (x % 6) * 10; x = x * 31 + 65; break;
    case 66: x ^= acc << 1; x += 15; acc -= (x % 13) * 15; x = x * 31 + 66; tab[(x + 66) & 63] += acc & 0xff; acc += tab[(acc + 15) & 63]; break;
    case 67: acc -= (x % 7) * 20; x = x * 31 + 67; tab[(x + 67) & 63] += acc & 0xff; acc += tab[(acc + 20) & 63]; if (acc & 4) acc = acc / 3 + 20; else acc = acc * 5 - x; break;
    case 68: tab[(x + 68) & 63] += acc & 0xff; acc += tab[(acc + 25) & 63]; if (acc & 8) acc = acc / 3 + 25; else acc = acc * 5 - x; acc = acc * 12 + (x >> 4) + 25; break;
    case 69: if (acc & 16) acc = acc / 3 + 30; else acc = acc * 5 - x; acc = acc * 6 + (x >> 5) + 30; x ^= acc << 4; x += 30; break;
    case 70: acc = acc * 13 + (x >> 1) + 6; x ^= acc << 0; x += 6; acc -= (x % 15) * 6; x = x * 31 + 70; break;
    case 71: x ^= acc << 1; x += 11; acc -= (x % 9) * 11; x = x * 31 + 71; tab[(x + 71) & 63] += acc & 0xff; acc += tab[(acc + 11) & 63]; break;
    default: acc += 1; break;
    }
    pc = pc + 1 == len ? 0 : pc + 1;
  }
  return acc ^ x;
}

int main(int argc, char **argv) {
  long long_steps = argc > 1 ? atol(argv[1]) : 60000000;
  unsigned char prog[257];
  for (int i = 0; i < 257; i++) prog[i] = (unsigned char)((i * 37 + 11) % OPS);
  unsigned long sum = 0;
  /* Many short calls: the function gets hot, its loop too, but no call stays in it. */
  for (int i = 0; i < 20000; i++) sum += exec(prog + (i % 100), 100, 12, sum);
  printf("short calls: %lu\n", sum);
  /* One long call: about 0.6 s in tier-0 code, several times what the compile of `exec` takes,
     so that its continuation is ready while the call runs even on a loaded machine. */
  printf("long call: %lu\n", exec(prog, 257, long_steps, sum));
  unsigned long t = 0;
  for (int i = 0; i < 64; i++) t = t * 3 + tab[i];
  printf("table: %lu\n", t);
  return 0;
}
