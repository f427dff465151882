#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* getline() with a libc-managed buffer, plus a CSV-ish parse and a reversed echo. */
int main(void) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int n = 0;
    size_t longest = 0;
    char **lines = NULL;
    double col_sum[4] = {0};
    while ((len = getline(&line, &cap, stdin)) != -1) {
        if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
        if ((size_t)len > longest) longest = (size_t)len;
        lines = realloc(lines, (size_t)(n + 1) * sizeof *lines);
        lines[n++] = strdup(line);
        int col = 0;
        for (char *tok = strtok(line, ","); tok && col < 4; tok = strtok(NULL, ","), col++) col_sum[col] += atof(tok);
    }
    free(line);
    printf("%d lines, longest %zu chars\n", n, longest);
    printf("column sums: %.3f %.3f %.3f %.3f\n", col_sum[0], col_sum[1], col_sum[2], col_sum[3]);
    for (int i = n - 1; i >= 0; i--) {
        printf("%2d: %.60s%s\n", i, lines[i], strlen(lines[i]) > 60 ? "..." : "");
        free(lines[i]);
    }
    free(lines);
    return n;
}
