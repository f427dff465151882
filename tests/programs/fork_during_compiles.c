// Forks again and again while the runtime's threads compile: each round makes a few more
// functions hot (tier-2 compiles in the background, objects stored in the code cache), then
// forks a child that calls a function for the first time (a first-call compile in the child,
// which consults the code cache) before it exits. A lock another thread of the parent held at
// the instant of a fork (LLVM's, the code cache's) must not stay locked in the child: such a
// child would wait for it forever.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define F(n)                                                                                       \
  __attribute__((noinline)) long hot##n(long x) {                                                  \
    long s = x;                                                                                    \
    for (int i = 0; i < 8; i++) s = s * 31 + (x ^ (i + n));                                       \
    return s & 0xffff;                                                                             \
  }                                                                                                \
  __attribute__((noinline)) long fresh##n(long x) { return (x * (n + 3)) % 1009; }

F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15)

typedef long (*fn)(long);
static fn hots[16] = {hot0, hot1, hot2,  hot3,  hot4,  hot5,  hot6,  hot7,
                      hot8, hot9, hot10, hot11, hot12, hot13, hot14, hot15};
static fn freshes[16] = {fresh0, fresh1, fresh2,  fresh3,  fresh4,  fresh5,  fresh6,  fresh7,
                         fresh8, fresh9, fresh10, fresh11, fresh12, fresh13, fresh14, fresh15};

int main(void) {
  long total = 0;
  int ok = 0;
  for (int round = 0; round < 96; round++) {
    // Heat: every sixth round brings a new function into play for thousands of calls.
    for (int k = 0; k <= round / 6 && k < 16; k++)
      for (long i = 0; i < 3000; i++) total += hots[k](i + round);
    pid_t child = fork();
    if (child == 0) {
      long v = freshes[round % 16](round) + hots[round % 16](round);
      _exit((int)(v % 100));
    }
    int status = 0;
    if (waitpid(child, &status, 0) == child && WIFEXITED(status)) {
      long v = freshes[round % 16](round) + hots[round % 16](round);
      ok += WEXITSTATUS(status) == (int)(v % 100);
    }
  }
  printf("children ok %d of 96, total %ld\n", ok, total);
  return ok == 96 ? 0 : 1;
}
