#include <stdio.h>
#include <string.h>

/* Three-argument main: find our variable through envp without printing anything else. */
int main(int argc, char **argv, char **envp) {
    int found = 0;
    size_t count = 0;
    for (char **e = envp; *e; e++) {
        count++;
        if (strncmp(*e, "IRJIT_TEST_VAR=", 15) == 0) { printf("envp has %s\n", *e); found++; }
    }
    printf("argc=%d argv[1]=%s envp non-empty=%d found=%d\n", argc, argc > 1 ? argv[1] : "(none)", count > 0, found);
    return found ? 17 : 1;
}
