#include <stdio.h>
#include <string.h>
#include <stdint.h>

struct flags {
    unsigned ready : 1;
    unsigned mode : 3;
    signed level : 4;
    unsigned count : 8;
    unsigned : 0;
    unsigned long long big : 40;
    _Bool on : 1;
};

struct packet {
    uint16_t version : 4, ihl : 4, tos : 8;
    uint16_t length;
    int8_t delta : 5;
    uint8_t last : 3;
};

int main(void) {
    struct flags f;
    memset(&f, 0, sizeof f);
    f.ready = 1; f.mode = 5; f.level = -3; f.count = 200; f.big = 0xABCDEF1234ULL; f.on = 1;
    printf("sizeof flags=%zu ready=%u mode=%u level=%d count=%u big=0x%llx on=%d\n", sizeof f, f.ready, f.mode,
           f.level, f.count, (unsigned long long)f.big, f.on);
    f.mode += 4;       /* wraps to 1 */
    f.count += 100;    /* wraps mod 256 */
    f.level = (signed)(f.level - 5); /* -8 fits */
    f.big += 0xFFFFFFFFFFULL; /* wraps mod 2^40 */
    printf("after: mode=%u count=%u level=%d big=0x%llx\n", f.mode, f.count, f.level, (unsigned long long)f.big);
    struct packet p;
    memset(&p, 0, sizeof p);   /* so the padding byte is defined before we dump the bytes */
    p.version = 4; p.ihl = 5; p.tos = 0x1c; p.length = 1500; p.delta = -11; p.last = 6;
    unsigned char raw[sizeof p];
    memcpy(raw, &p, sizeof p);
    printf("packet sizeof=%zu bytes:", sizeof p);
    for (size_t i = 0; i < sizeof p; i++) printf(" %02x", raw[i]);
    printf("\nversion=%u ihl=%u tos=%u len=%u delta=%d last=%u\n", p.version, p.ihl, p.tos, p.length, p.delta, p.last);
    long acc = 0;
    for (int i = 0; i < 1000; i++) {
        f.count = (unsigned)i;
        f.mode = (unsigned)i;
        f.level = (signed)(i % 16) - 8;
        acc += f.count * 3 + f.mode - f.level;
    }
    printf("acc=%ld\n", acc);
    return f.count;
}
