#include <stdio.h>
#include <string.h>
#include <stdlib.h>

struct rec { int id; double value; char tag[12]; };

int main(void) {
    FILE *f = tmpfile();
    if (!f) { perror("tmpfile"); return 1; }
    for (int i = 0; i < 100; i++) fprintf(f, "line %d value %.3f\n", i, i * 1.25);
    long pos = ftell(f);
    printf("text written, ftell=%ld\n", pos);
    rewind(f);
    char line[64];
    int n = 0;
    double sum = 0;
    while (fgets(line, sizeof line, f)) {
        int id; double v;
        if (sscanf(line, "line %d value %lf", &id, &v) == 2) { sum += v; n++; }
    }
    printf("read back %d lines, sum=%.3f, eof=%d\n", n, sum, feof(f) != 0);
    fclose(f);

    f = tmpfile();
    struct rec recs[50];
    for (int i = 0; i < 50; i++) {
        memset(&recs[i], 0, sizeof recs[i]);
        recs[i].id = i * i;
        recs[i].value = 1.0 / (i + 1);
        snprintf(recs[i].tag, sizeof recs[i].tag, "tag%03d", i);
    }
    size_t w = fwrite(recs, sizeof recs[0], 50, f);
    printf("fwrite wrote %zu records, size %ld\n", w, ftell(f));
    fseek(f, (long)sizeof(struct rec) * 17, SEEK_SET);
    struct rec r;
    size_t got = fread(&r, sizeof r, 1, f);
    printf("record 17: got=%zu id=%d value=%.6f tag=%s\n", got, r.id, r.value, r.tag);
    fseek(f, -(long)sizeof(struct rec), SEEK_END);
    fread(&r, sizeof r, 1, f);
    printf("last record: id=%d tag=%s\n", r.id, r.tag);
    /* overwrite in the middle and re-read */
    fseek(f, (long)sizeof(struct rec) * 5, SEEK_SET);
    r.id = -5;
    strcpy(r.tag, "patched");
    fwrite(&r, sizeof r, 1, f);
    rewind(f);
    struct rec all[50];
    got = fread(all, sizeof all[0], 60, f);
    printf("reread %zu records; rec5 id=%d tag=%s; rec6 id=%d\n", got, all[5].id, all[5].tag, all[6].id);
    fclose(f);

    /* character-level I/O and ungetc */
    f = tmpfile();
    fputs("abc\n123\nxyz", f);
    rewind(f);
    int c, lines = 0, chars = 0;
    while ((c = fgetc(f)) != EOF) { chars++; if (c == '\n') lines++; }
    printf("chars=%d newlines=%d\n", chars, lines);
    rewind(f);
    c = getc(f);
    ungetc('Z', f);
    char word[8] = {0};
    fread(word, 1, 4, f);
    printf("first=%c after ungetc=%s\n", c, word);
    fclose(f);
    return n;
}
