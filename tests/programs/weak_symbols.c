#include <stdio.h>

/* Weak definitions: used since nothing overrides them. */
__attribute__((weak)) int tunable = 17;
__attribute__((weak)) const char *hook_name(void) { return "default weak hook"; }

/* Undefined weak declarations: resolve to NULL. */
extern int missing_variable __attribute__((weak));
extern void missing_function(int) __attribute__((weak));
extern int missing_array[] __attribute__((weak));

/* Strong definition overriding a weak declaration in the same unit is just a normal definition. */
__attribute__((weak)) int weak_but_called(int x);
int weak_but_called(int x) { return x * 3; }

int main(void) {
    printf("tunable=%d hook=%s\n", tunable, hook_name());
    printf("missing_variable is %s\n", &missing_variable == NULL ? "NULL" : "present");
    printf("missing_function is %s\n", missing_function ? "present" : "NULL");
    printf("missing_array is %s\n", missing_array ? "present" : "NULL");
    if (missing_function) missing_function(1);
    int (*fp)(int) = weak_but_called;
    printf("weak_but_called(14)=%d\n", fp(14));
    tunable += 1;
    return tunable;
}
