#include <stdio.h>
#include <string.h>

int main(void) {
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%s-%d-%s", "abcdefgh", 123456, "xyz");
    printf("n=%d buf=[%s] len=%zu\n", n, buf, strlen(buf));
    n = snprintf(NULL, 0, "%08.3f", 3.5);
    printf("needed=%d\n", n);
    size_t one = strlen("x");
    n = snprintf(buf, one, "%s", "abc");
    printf("n=%d empty=[%s]\n", n, buf);
    char big[256];
    int pos = 0;
    for (int i = 0; i < 20; i++)
        pos += snprintf(big + pos, sizeof big - (size_t)pos, "%d%c", i * i, i == 19 ? '.' : ',');
    printf("%s (%d)\n", big, pos);
    char s[64];
    sprintf(s, "%5.2f|%-6s|%x", 2.0 / 3.0, "ab", 48879);
    puts(s);
    int a, b; char w[16]; double d;
    int got = sscanf("17 0x1f word 2.5e3", "%d %i %15s %lf", &a, &b, w, &d);
    printf("sscanf got=%d a=%d b=%d w=%s d=%.1f\n", got, a, b, w, d);
    return n;
}
