#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static long sum_ints(int count, ...) {
    va_list ap;
    va_start(ap, count);
    long s = 0;
    for (int i = 0; i < count; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

static double sum_doubles(int count, ...) {
    va_list ap;
    va_start(ap, count);
    double s = 0;
    for (int i = 0; i < count; i++) s += va_arg(ap, double);
    va_end(ap);
    return s;
}

/* mixed types described by a format string: i=int l=long d=double s=string c=char p=struct ptr */
struct pt { int x, y; };
static void describe(const char *fmt, ...) {
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = 0;
    for (const char *f = fmt; *f; f++) {
        switch (*f) {
        case 'i': printf("int %d; ", va_arg(ap, int)); break;
        case 'l': printf("long %ld; ", va_arg(ap, long)); break;
        case 'd': printf("double %.3f; ", va_arg(ap, double)); break;
        case 's': printf("str %s; ", va_arg(ap, const char *)); break;
        case 'c': printf("char %c; ", (char)va_arg(ap, int)); break;
        case 'p': { struct pt *p = va_arg(ap, struct pt *); printf("pt(%d,%d); ", p->x, p->y); break; }
        case 'S': { struct pt p = va_arg(ap, struct pt); printf("ptval(%d,%d); ", p.x, p.y); break; }
        }
        n++;
    }
    printf("(%d items)\n", n);
    /* second pass over the copy: only count doubles */
    double dsum = 0;
    for (const char *f = fmt; *f; f++) {
        switch (*f) {
        case 'i': case 'c': (void)va_arg(copy, int); break;
        case 'l': (void)va_arg(copy, long); break;
        case 'd': dsum += va_arg(copy, double); break;
        case 's': (void)va_arg(copy, const char *); break;
        case 'p': (void)va_arg(copy, struct pt *); break;
        case 'S': (void)va_arg(copy, struct pt); break;
        }
    }
    printf("  doubles sum via va_copy: %.4f\n", dsum);
    va_end(copy);
    va_end(ap);
}

static int logmsg(FILE *f, const char *prefix, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = fprintf(f, "[%s] ", prefix);
    n += vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

static int myprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

static char *fmt_into(char *buf, size_t sz, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sz, fmt, ap);
    va_end(ap);
    return buf;
}

/* pass a va_list down to another function */
static double vavg(int n, va_list ap) {
    double s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, double);
    return n ? s / n : 0;
}
static double avg(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double r = vavg(n, ap);
    va_end(ap);
    return r;
}

/* many arguments: forces stack-passed varargs */
static long many(int n, ...) {
    va_list ap;
    va_start(ap, n);
    long acc = 0;
    for (int i = 0; i < n; i++) {
        if (i % 2) acc += (long)(va_arg(ap, double) * 10);
        else acc = acc * 3 + va_arg(ap, long);
    }
    va_end(ap);
    return acc;
}

int main(void) {
    printf("sum_ints=%ld\n", sum_ints(6, 1, -2, 3, 400, 5, 60000));
    printf("sum_doubles=%.6f\n", sum_doubles(5, 0.5, 1.25, -3.0, 1e3, 0.001));
    struct pt a = {3, 4}, b = {-1, 7};
    describe("ildscpS", 42, 1234567890123L, 2.71828, "text", 'Z', &a, b);
    describe("dddddddddd", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.5);
    int n = logmsg(stdout, "info", "value=%d pi=%.2f s=%s\n", 7, 3.14159, "ok");
    logmsg(stderr, "warn", "n was %d\n", n);
    n = myprintf("%s %d %c %.1e %lu\n", "myprintf", -5, 'q', 12345.678, 99UL);
    printf("myprintf returned %d\n", n);
    char buf[32];
    printf("fmt_into: [%s]\n", fmt_into(buf, sizeof buf, "%010.4f|%x|%s", 3.0 / 7, 255, "truncated-string-here"));
    printf("avg=%.5f\n", avg(4, 1.0, 2.5, 3.25, 100.0));
    printf("many=%ld\n", many(20, 1L, 0.5, 2L, 1.5, 3L, 2.5, 4L, 3.5, 5L, 4.5, 6L, 5.5, 7L, 6.5, 8L, 7.5, 9L, 8.5, 10L, 9.5));
    return (int)(sum_ints(3, 10, 20, 30) % 256);
}
