#include <stdio.h>
#include <errno.h>

int main(void) {
    puts("puts line one");
    fputs("stderr line one\n", stderr);
    printf("printf %d\n", 2);
    fprintf(stderr, "fprintf stderr %s %d\n", "value", 3);
    putchar('x');
    putchar('\n');
    fputc('e', stderr);
    fputc('\n', stderr);
    fputs("no newline via fputs, ", stdout);
    fputs("continued\n", stdout);
    for (int i = 0; i < 5; i++) {
        fprintf(i % 2 ? stderr : stdout, "interleave %d -> %s\n", i, i % 2 ? "err" : "out");
    }
    fwrite("fwrite data\n", 1, 12, stdout);
    fwrite("fwrite err\n", 1, 11, stderr);
    errno = 0;
    perror("perror with errno 0");
    puts("");
    puts("done");
    return 0;
}
