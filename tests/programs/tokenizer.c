#include <stdio.h>
#include <string.h>
#include <ctype.h>

typedef enum { T_IDENT, T_KEYWORD, T_NUMBER, T_STRING, T_CHAR, T_OP, T_PUNCT, T_COMMENT, T_EOF, T_ERROR } ttype;
static const char *type_names[] = {"IDENT", "KEYWORD", "NUMBER", "STRING", "CHAR", "OP", "PUNCT", "COMMENT", "EOF", "ERROR"};
static const char *keywords[] = {"int", "return", "if", "else", "while", "for", "char", "void", "struct", "static", NULL};
static const char *ops3[] = {"<<=", ">>=", "...", NULL};
static const char *ops2[] = {"==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "->", "<<", ">>", NULL};

typedef struct { ttype type; const char *start; int len; int line; } token;

static const char *src;
static int line = 1;

static token next(void) {
    for (;;) {
        while (isspace((unsigned char)*src)) { if (*src == '\n') line++; src++; }
        if (src[0] == '/' && src[1] == '/') {
            const char *st = src;
            while (*src && *src != '\n') src++;
            return (token){T_COMMENT, st, (int)(src - st), line};
        }
        if (src[0] == '/' && src[1] == '*') {
            const char *st = src;
            int l0 = line;
            src += 2;
            while (*src && !(src[0] == '*' && src[1] == '/')) { if (*src == '\n') line++; src++; }
            if (*src) src += 2;
            return (token){T_COMMENT, st, (int)(src - st), l0};
        }
        break;
    }
    const char *st = src;
    if (!*src) return (token){T_EOF, src, 0, line};
    if (isalpha((unsigned char)*src) || *src == '_') {
        while (isalnum((unsigned char)*src) || *src == '_') src++;
        int len = (int)(src - st);
        for (int i = 0; keywords[i]; i++)
            if ((int)strlen(keywords[i]) == len && !strncmp(keywords[i], st, (size_t)len)) return (token){T_KEYWORD, st, len, line};
        return (token){T_IDENT, st, len, line};
    }
    if (isdigit((unsigned char)*src)) {
        if (src[0] == '0' && (src[1] == 'x' || src[1] == 'X')) { src += 2; while (isxdigit((unsigned char)*src)) src++; }
        else { while (isdigit((unsigned char)*src) || *src == '.') src++; if (*src == 'e') { src++; if (*src == '-') src++; while (isdigit((unsigned char)*src)) src++; } }
        while (*src == 'u' || *src == 'L' || *src == 'f') src++;
        return (token){T_NUMBER, st, (int)(src - st), line};
    }
    if (*src == '"' || *src == '\'') {
        char q = *src++;
        while (*src && *src != q) { if (*src == '\\' && src[1]) src++; src++; }
        if (!*src) return (token){T_ERROR, st, (int)(src - st), line};
        src++;
        return (token){q == '"' ? T_STRING : T_CHAR, st, (int)(src - st), line};
    }
    for (int i = 0; ops3[i]; i++) if (!strncmp(src, ops3[i], 3)) { src += 3; return (token){T_OP, st, 3, line}; }
    for (int i = 0; ops2[i]; i++) if (!strncmp(src, ops2[i], 2)) { src += 2; return (token){T_OP, st, 2, line}; }
    if (strchr("+-*/%=<>!&|^~?:", *src)) { src++; return (token){T_OP, st, 1, line}; }
    if (strchr("(){}[];,.", *src)) { src++; return (token){T_PUNCT, st, 1, line}; }
    src++;
    return (token){T_ERROR, st, 1, line};
}

int main(void) {
    src = "/* sample program */\n"
          "static int counter = 0x1F;\n"
          "int main(void) {\n"
          "    char *s = \"hello \\\"world\\\"\\n\";  // a comment\n"
          "    for (int i = 0; i <= 10; i++) { counter += i * 2.5e-3f; }\n"
          "    if (counter >= 3 && s[0] != '\\'') return counter << 2;\n"
          "    x->y >>= 1; a...b; @ # \n"
          "    return -1;\n"
          "}\n";
    int counts[10] = {0};
    token t;
    do {
        t = next();
        counts[t.type]++;
        printf("%2d %-7s '%.*s'\n", t.line, type_names[t.type], t.len, t.start);
    } while (t.type != T_EOF);
    for (int i = 0; i < 10; i++) if (counts[i]) printf("%s=%d ", type_names[i], counts[i]);
    printf("\n");
    return counts[T_ERROR];
}
