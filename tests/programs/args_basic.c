#include <stdio.h>
#include <string.h>
#include <libgen.h>

int main(int argc, char **argv) {
    char tmp[4096];
    strncpy(tmp, argv[0], sizeof tmp - 1);
    tmp[sizeof tmp - 1] = 0;
    printf("program: %s\n", basename(tmp));
    printf("argc=%d\n", argc);
    size_t total = 0;
    for (int i = 1; i < argc; i++) {
        printf("argv[%d] = \"%s\" (len %zu)\n", i, argv[i], strlen(argv[i]));
        total += strlen(argv[i]);
    }
    printf("argv[argc] is %s\n", argv[argc] == NULL ? "NULL" : "not NULL");
    printf("total length %zu\n", total);
    return argc;
}
