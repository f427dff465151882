#include <stdio.h>
#include <string.h>
#include <ctype.h>

int main(void) {
    char line[64];
    int lines = 0, words = 0, chars = 0, longest = 0, partial = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strlen(line);
        int complete = len > 0 && line[len - 1] == '\n';
        if (!complete) partial++;
        else line[--len] = '\0';
        lines++;
        chars += (int)len;
        if ((int)len > longest) longest = (int)len;
        int inword = 0;
        for (size_t i = 0; i < len; i++) {
            if (isspace((unsigned char)line[i])) inword = 0;
            else if (!inword) { inword = 1; words++; }
        }
        for (size_t i = 0; i < len; i++) line[i] = (char)toupper((unsigned char)line[i]);
        printf("%3d%c [%s]\n", lines, complete ? ' ' : '+', line);
    }
    printf("lines=%d words=%d chars=%d longest=%d partial=%d\n", lines, words, chars, longest, partial);
    return 0;
}
