#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <stdlib.h>

int main(void) {
    char text[] = "  the,quick;;brown fox ,jumps;over  the lazy,dog ";
    char copy[sizeof text];
    strcpy(copy, text);
    int n = 0;
    for (char *tok = strtok(copy, " ,;"); tok; tok = strtok(NULL, " ,;")) printf("tok%d=[%s] ", n++, tok);
    printf("\n");
    char copy2[sizeof text], *save = NULL;
    strcpy(copy2, text);
    for (char *t = strtok_r(copy2, ",", &save); t; t = strtok_r(NULL, ",", &save)) printf("<%s>", t);
    printf("\n");
    const char *hay = "abracadabra cadabra";
    const char *p = hay;
    while ((p = strstr(p, "abra"))) { printf("abra at %td\n", p - hay); p++; }
    printf("strchr c at %td, strrchr c at %td\n", strchr(hay, 'c') - hay, strrchr(hay, 'c') - hay);
    printf("strspn=%zu strcspn=%zu strpbrk=%s\n", strspn("aaabbbccc", "ab"), strcspn("hello world", " w"),
           strpbrk("find-the:delim", ":-"));
    printf("strcmp: %d %d %d strncmp=%d strcasecmp=%d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0,
           strcmp("same", "same"), strncmp("prefix-a", "prefix-b", 7), strcasecmp("HeLLo", "hello"));
    char buf[64] = "start";
    strcat(buf, "-middle");
    strncat(buf, "-endXXXX", 4);
    printf("strcat: %s (%zu)\n", buf, strlen(buf));
    char nbuf[8];
    strncpy(nbuf, "ab", sizeof nbuf);
    printf("strncpy padded: %d %d\n", nbuf[2] == 0, nbuf[7] == 0);
    char *dup = strdup("duplicate me");
    for (char *q = dup; *q; q++) *q = (char)toupper((unsigned char)*q);
    printf("strdup upper: %s strndup: ", dup);
    free(dup);
    dup = strndup("truncate-here", 8);
    printf("%s\n", dup);
    free(dup);
    /* reverse words in place */
    char sent[] = "one two three four five";
    size_t L = strlen(sent);
    for (size_t i = 0; i < L / 2; i++) { char t = sent[i]; sent[i] = sent[L - 1 - i]; sent[L - 1 - i] = t; }
    for (char *w = sent; *w;) {
        char *e = w;
        while (*e && *e != ' ') e++;
        for (char *a = w, *b = e - 1; a < b; a++, b--) { char t = *a; *a = *b; *b = t; }
        w = *e ? e + 1 : e;
    }
    printf("reversed words: %s\n", sent);
    /* palindromes and character classes */
    const char *cands[] = {"A man, a plan, a canal: Panama", "hello", "Was it a car or a cat I saw?", ""};
    for (int i = 0; i < 4; i++) {
        const char *s = cands[i];
        int lo = 0, hi = (int)strlen(s) - 1, pal = 1;
        while (lo < hi) {
            if (!isalnum((unsigned char)s[lo])) { lo++; continue; }
            if (!isalnum((unsigned char)s[hi])) { hi--; continue; }
            if (tolower((unsigned char)s[lo]) != tolower((unsigned char)s[hi])) { pal = 0; break; }
            lo++; hi--;
        }
        printf("palindrome(\"%s\")=%d\n", s, pal);
    }
    int counts[4] = {0};
    for (const char *s = cands[0]; *s; s++) {
        counts[0] += isalpha((unsigned char)*s) != 0;
        counts[1] += isspace((unsigned char)*s) != 0;
        counts[2] += ispunct((unsigned char)*s) != 0;
        counts[3] += isupper((unsigned char)*s) != 0;
    }
    printf("alpha=%d space=%d punct=%d upper=%d\n", counts[0], counts[1], counts[2], counts[3]);
    return n;
}
