#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    const char *v = getenv("IRJIT_TEST_VAR");
    printf("IRJIT_TEST_VAR=%s\n", v ? v : "(unset)");
    if (v) printf("length %zu, upper first char %c\n", strlen(v), v[0] - 32);
    const char *u = getenv("IRJIT_SURELY_UNSET_VARIABLE_12345");
    printf("unset var -> %s\n", u ? u : "(null)");
    if (setenv("IRJIT_OWN_VAR", "abc=def", 1) != 0) return 1;
    printf("own var -> %s\n", getenv("IRJIT_OWN_VAR"));
    setenv("IRJIT_OWN_VAR", "ignored", 0);
    printf("own var after no-overwrite -> %s\n", getenv("IRJIT_OWN_VAR"));
    unsetenv("IRJIT_OWN_VAR");
    printf("own var after unset -> %s\n", getenv("IRJIT_OWN_VAR") ? "set" : "(null)");
    return v && strcmp(v, "corpus-value") == 0 ? 0 : 9;
}
