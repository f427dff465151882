#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <math.h>

/* Recursive-descent calculator with variables, reading one statement per line from stdin.
   grammar: stmt := ident '=' expr | expr
            expr := term (('+'|'-') term)*
            term := unary (('*'|'/'|'%') unary)*
            unary := '-' unary | power
            power := primary ('^' unary)?
            primary := number | ident | ident '(' expr ')' | '(' expr ')' */
static const char *s;
static char err[64];
static double vars[26];
static int defined[26];

static void skip(void) { while (*s == ' ' || *s == '\t') s++; }
static double expr(void);

static double primary(void) {
    skip();
    if (*s == '(') {
        s++;
        double v = expr();
        skip();
        if (*s != ')') { if (!*err) snprintf(err, sizeof err, "expected )"); return 0; }
        s++;
        return v;
    }
    if (isdigit((unsigned char)*s) || *s == '.') {
        char *end;
        double v = strtod(s, &end);
        s = end;
        return v;
    }
    if (isalpha((unsigned char)*s)) {
        char name[16];
        int n = 0;
        while (isalpha((unsigned char)*s) && n < 15) name[n++] = *s++;
        name[n] = 0;
        skip();
        if (*s == '(') {
            s++;
            double a = expr();
            skip();
            if (*s == ')') s++;
            if (!strcmp(name, "sqrt")) return sqrt(a);
            if (!strcmp(name, "abs")) return fabs(a);
            if (!strcmp(name, "floor")) return floor(a);
            if (!*err) snprintf(err, sizeof err, "unknown function %s", name);
            return 0;
        }
        if (n == 1 && islower((unsigned char)name[0]) && defined[name[0] - 'a']) return vars[name[0] - 'a'];
        if (!*err) snprintf(err, sizeof err, "undefined variable %s", name);
        return 0;
    }
    if (!*err) snprintf(err, sizeof err, "unexpected '%c'", *s ? *s : '$');
    return 0;
}

static double unary(void);
static double power(void) {
    double b = primary();
    skip();
    if (*s == '^') { s++; return pow(b, unary()); }
    return b;
}
static double unary(void) {
    skip();
    if (*s == '-') { s++; return -unary(); }
    return power();
}
static double term(void) {
    double v = unary();
    for (;;) {
        skip();
        char op = *s;
        if (op != '*' && op != '/' && op != '%') return v;
        s++;
        double r = unary();
        if (op == '*') v *= r;
        else if (r == 0) { if (!*err) snprintf(err, sizeof err, "division by zero"); }
        else if (op == '/') v /= r;
        else v = fmod(v, r);
    }
}
static double expr(void) {
    double v = term();
    for (;;) {
        skip();
        if (*s == '+') { s++; v += term(); }
        else if (*s == '-') { s++; v -= term(); }
        else return v;
    }
}

int main(void) {
    char line[256];
    int lineno = 0, errors = 0;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        line[strcspn(line, "\n")] = 0;
        s = line;
        skip();
        if (!*s || *s == '#') continue;
        err[0] = 0;
        int assign = -1;
        if (islower((unsigned char)s[0])) {
            const char *q = s + 1;
            while (*q == ' ') q++;
            if (*q == '=' && !isalpha((unsigned char)s[1])) { assign = s[0] - 'a'; s = q + 1; }
        }
        double v = expr();
        skip();
        if (!*err && *s) snprintf(err, sizeof err, "trailing input '%s'", s);
        if (*err) { printf("line %d: error: %s\n", lineno, err); errors++; continue; }
        if (assign >= 0) { vars[assign] = v; defined[assign] = 1; printf("%c = %.10g\n", 'a' + assign, v); }
        else printf("%.10g\n", v);
    }
    printf("%d lines, %d errors\n", lineno, errors);
    return errors;
}
