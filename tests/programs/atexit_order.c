#include <stdio.h>
#include <stdlib.h>

static int counter;
static void h(int id) { counter = counter * 10 + id; printf("handler %d, counter=%d\n", id, counter); }
static void h1(void) { h(1); }
static void h2(void) { h(2); }
static void h3(void) { h(3); }
static void h4(void) { h(4); fflush(stdout); }
static void h_err(void) { fprintf(stderr, "stderr from atexit\n"); }

int main(void) {
    if (atexit(h1) || atexit(h2) || atexit(h_err) || atexit(h3)) return 1;
    for (int i = 0; i < 3; i++) atexit(h4);
    printf("main registered handlers; output buffered: ");
    for (int i = 0; i < 5; i++) printf("%d", i);
    printf("\n");
    return 0;
}
