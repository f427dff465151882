/* Functions whose very first call comes from the C library or through a pointer stored in data,
 * never directly: qsort/bsearch comparators, atexit handlers, thread start routines, a callback
 * table in initialized data. Their addresses must also stay the same everywhere. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int by_value(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}
static int descending(const void *a, const void *b) { return by_value(b, a); }
static void at_exit_1(void) { puts("at_exit_1 (first call from exit)"); }
static void *thread_main(void *p) { return (void *)((long)p * 3); }
static int op_add(int a, int b) { return a + b; }
static int op_mul(int a, int b) { return a * b; }
static int op_sub(int a, int b) { return a - b; }

struct op { const char *name; int (*fn)(int, int); };
static const struct op ops[] = {{"add", op_add}, {"mul", op_mul}, {"sub", op_sub}};
int (*const first_op)(int, int) = op_add;

int main(void) {
  int v[] = {5, 3, 9, 1, 7, 2, 8};
  qsort(v, 7, sizeof v[0], descending);
  for (int i = 0; i < 7; i++) printf("%d ", v[i]);
  putchar('\n');
  qsort(v, 7, sizeof v[0], by_value);
  int key = 7, *hit = bsearch(&key, v, 7, sizeof v[0], by_value);
  printf("found %d at %ld\n", *hit, (long)(hit - v));
  for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
    printf("%s(6, 4) = %d\n", ops[i].name, ops[i].fn(6, 4));
  printf("identity: %d %d\n", first_op == op_add, ops[0].fn == first_op);
  pthread_t t;
  void *ret;
  pthread_create(&t, 0, thread_main, (void *)14);
  pthread_join(t, &ret);
  printf("thread returned %ld\n", (long)ret);
  atexit(at_exit_1);
  return 0;
}
