#include <stdio.h>
#include <string.h>

/* Internal functions and variables whose names are common and might clash with other
   translation units or with the C library's internal names. */
static int counter;
static int init(void) { counter = 10; return counter; }
static int helper(int x) { return x * 2 + counter; }
static int compute(int x) { return helper(x) - 1; }
static int process(const char *s) { int h = 0; while (*s) h = h * 33 + *s++; return h & 0xffff; }
static int run(int n) { int s = 0; for (int i = 0; i < n; i++) s += compute(i); return s; }
static void cleanup(void) { counter = -1; }
static const char *name(void) { return "static name()"; }
static int error(int code) { return code + 1000; }          /* glibc has error() in error.h */
static double distance(double a, double b) { return a > b ? a - b : b - a; }
static int hash(const char *s) { return process(s) % 97; }
static int update(int *v) { return ++*v; }
static int check(int v) { return v > 3; }
static int data = 7;
static char buffer[16];
static int table[4] = {1, 2, 3, 4};
static int lookup(int i) { return table[i & 3]; }

int main(void) {
    printf("init=%d\n", init());
    printf("helper(5)=%d compute(5)=%d run(10)=%d\n", helper(5), compute(5), run(10));
    printf("process(\"hello\")=%d hash=%d\n", process("hello"), hash("hello"));
    printf("name=%s error(5)=%d distance=%.2f\n", name(), error(5), distance(1.5, 4.0));
    int v = 1;
    while (!check(update(&v))) {}
    printf("v=%d data=%d lookup(6)=%d\n", v, data, lookup(6));
    strcpy(buffer, "buf");
    printf("buffer=%s\n", buffer);
    cleanup();
    printf("counter after cleanup=%d\n", counter);
    return run(3) + error(0) - 1000;
}
