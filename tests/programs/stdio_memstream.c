#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    char *buf = NULL;
    size_t size = 0;
    FILE *ms = open_memstream(&buf, &size);
    for (int i = 0; i < 500; i++) fprintf(ms, "%d:%x;", i, i * i);
    fflush(ms);
    printf("open_memstream size after flush=%zu\n", size);
    fputs("END", ms);
    fclose(ms);
    unsigned h = 0;
    for (size_t i = 0; i < size; i++) h = h * 33 + (unsigned char)buf[i];
    printf("final size=%zu hash=%u tail=%s\n", size, h, buf + size - 12);
    free(buf);

    char text[] = "12 apples\n7 pears\n30 plums\n";
    FILE *in = fmemopen(text, strlen(text), "r");
    int qty, total = 0;
    char fruit[16];
    while (fscanf(in, "%d %15s", &qty, fruit) == 2) { printf("read %d %s\n", qty, fruit); total += qty; }
    fclose(in);
    char out[32];
    FILE *o = fmemopen(out, sizeof out, "w");
    setvbuf(o, NULL, _IONBF, 0);
    int written = fprintf(o, "total=%d", total);
    fclose(o);
    printf("fmemopen write: %s (%d)\n", out, written);

    /* setvbuf line buffering and a custom buffer on stdout-like stream */
    FILE *t = tmpfile();
    char vbuf[64];
    setvbuf(t, vbuf, _IOLBF, sizeof vbuf);
    fprintf(t, "line one\nline two\n");
    fseek(t, 0, SEEK_END);
    printf("tmpfile with line buffer: %ld bytes\n", ftell(t));
    fclose(t);
    return total;
}
