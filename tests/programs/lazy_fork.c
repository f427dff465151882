/* After fork(), parent and child each compile functions neither had called before: the code one
 * of them compiles must never show up in the other. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static long before(long x) { return x + 1; }
static long child_only(long x) { return x * 1000 + 7; }
static long child_second(long x) { return x - 3; }
static long parent_only(long x) { return x * 2 + 100; }
static long shared_later(long x) { return x * x; }

int main(void) {
  printf("before: %ld\n", before(1));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    printf("child: %ld %ld %ld\n", child_only(5), child_second(10), shared_later(9));
    fflush(stdout);
    _exit(7);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child exit %d\n", WEXITSTATUS(status));
  /* The child compiled functions into its own heap; these first calls must get their own code. */
  printf("parent: %ld %ld %ld\n", parent_only(5), shared_later(12), child_only(2));
  return 0;
}
