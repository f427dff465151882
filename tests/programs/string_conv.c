#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <limits.h>

int main(void) {
    const char *ints[] = {"42", "-17", "0x7f", "0777", "  +99xyz", "9223372036854775807", "9223372036854775808",
                          "-9223372036854775809", "abc", "1e5", "0b101"};
    for (int i = 0; i < 11; i++) {
        char *end;
        errno = 0;
        long v = strtol(ints[i], &end, 0);
        printf("strtol(\"%s\",0) = %ld, consumed %td, errno=%s\n", ints[i], v, end - ints[i],
               errno == ERANGE ? "ERANGE" : errno == 0 ? "0" : "other");
    }
    const char *bases[] = {"ff", "zz", "777", "1010", "-10"};
    int bs[] = {16, 36, 8, 2, 7};
    for (int i = 0; i < 5; i++) printf("strtol(%s, base %d) = %ld\n", bases[i], bs[i], strtol(bases[i], NULL, bs[i]));
    errno = 0;
    unsigned long ul = strtoul("18446744073709551615", NULL, 10);
    printf("strtoul max = %lu errno=%d\n", ul, errno);
    errno = 0;
    ul = strtoul("18446744073709551616", NULL, 10);
    printf("strtoul overflow = %lu ERANGE=%d\n", ul, errno == ERANGE);
    printf("strtoul(\"-1\") = %lu\n", strtoul("-1", NULL, 10));
    printf("strtoll=%lld strtoull=%llu\n", strtoll("-123456789012", NULL, 10), strtoull("0xFFFFFFFFFFFF", NULL, 16));
    printf("atoi=%d atol=%ld atoll=%lld\n", atoi("  -314abc"), atol("2147483648"), atoll("-99999999999"));
    const char *dbls[] = {"3.14159", "-2.5e-3", "1e308", "1e309", "-1e-400", "0x1.8p3", "inf", "-nan", "  12.5abc",
                          ".5", "5.", "1,5"};
    for (int i = 0; i < 12; i++) {
        char *end;
        errno = 0;
        double d = strtod(dbls[i], &end);
        printf("strtod(\"%s\") = %g [%a] consumed %td erange=%d\n", dbls[i], d, d, end - dbls[i], errno == ERANGE);
    }
    printf("strtof=%.7g strtold=%.10Lg atof=%g\n", (double)strtof("0.1", NULL), strtold("0.1", NULL), atof("2.5e2"));
    /* int -> string conversions, both directions round trip */
    char buf[32];
    long roundtrip_fail = 0;
    for (long v = -100000; v <= 100000; v += 7) {
        snprintf(buf, sizeof buf, "%ld", v);
        if (strtol(buf, NULL, 10) != v) roundtrip_fail++;
    }
    for (int i = 0; i < 1000; i++) {
        double d = i * 0.001 - 0.5;
        snprintf(buf, sizeof buf, "%.17g", d);
        if (strtod(buf, NULL) != d) roundtrip_fail++;
    }
    printf("roundtrip failures=%ld\n", roundtrip_fail);
    printf("LONG_MIN string: %ld\n", strtol("-9223372036854775808", NULL, 10));
    return (int)strtol("3f", NULL, 16);
}
