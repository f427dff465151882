// hello: prints one line and exits; its time is the engine's start-up cost.
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
