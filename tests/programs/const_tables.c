#include <stdio.h>
#include <stdint.h>
#include <string.h>

static const uint8_t primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
                                 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131};
static const char *const month_names[12] = {"January", "February", "March", "April", "May", "June", "July",
                                            "August", "September", "October", "November", "December"};
static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
static const struct { const char *unit; double factor; } units[] = {
    {"mm", 0.001}, {"cm", 0.01}, {"m", 1.0}, {"km", 1000.0}, {"in", 0.0254}, {"ft", 0.3048}, {"mi", 1609.344},
};
static const char hexdigits[] = "0123456789abcdef";
static const char long_text[] =
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
    "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, "
    "it was the season of Darkness, it was the spring of hope, it was the winter of despair.";

/* CRC-32 table built at startup and compared to the bitwise algorithm */
static uint32_t crc_table[256];
static void build_crc_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}
static uint32_t crc32_table(const void *data, size_t n) {
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}
static uint32_t crc32_bitwise(const void *data, size_t n) {
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

int main(void) {
    unsigned psum = 0;
    for (size_t i = 0; i < sizeof primes; i++) psum += primes[i];
    printf("prime count=%zu sum=%u\n", sizeof primes, psum);
    int day = 0;
    for (int m = 0; m < 12; m++) {
        printf("%-9s %2d days, starts on day %3d\n", month_names[m], month_days[m], day + 1);
        day += month_days[m];
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        printf("42 %s = %.4f m\n", units[i].unit, 42 * units[i].factor);
    char hex[17];
    uint64_t v = 0x0123456789abcdefULL;
    for (int i = 15; i >= 0; i--) { hex[i] = hexdigits[v & 15]; v >>= 4; }
    hex[16] = 0;
    printf("hex=%s\n", hex);
    build_crc_table();
    uint32_t a = crc32_table(long_text, strlen(long_text)), b = crc32_bitwise(long_text, strlen(long_text));
    printf("crc32 table=%08x bitwise=%08x check(123456789)=%08x\n", a, b, crc32_table("123456789", 9));
    printf("text length %zu, word 'it' count:", strlen(long_text));
    int cnt = 0;
    for (const char *p = long_text; (p = strstr(p, "it ")); p++) cnt++;
    printf(" %d\n", cnt);
    return (int)(a & 0x7f);
}
