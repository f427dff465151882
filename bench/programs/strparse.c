// strparse: generates JSON-like text in memory (records with integers, decimals, quoted strings
// with escapes, nested arrays), then tokenizes and parses it with a small recursive-descent parser
// and its own number parser. Usage: strparse N. Handles N thousand records; prints a checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng_state = 12345;
static uint32_t next_random(void) { // xorshift32
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

struct buf {
  char *data;
  size_t len, cap;
};

static void put_char(struct buf *b, char c) {
  if (b->len == b->cap) {
    b->cap = b->cap ? b->cap * 2 : 4096;
    b->data = realloc(b->data, b->cap);
  }
  b->data[b->len++] = c;
}

static void put_str(struct buf *b, const char *s) {
  while (*s)
    put_char(b, *s++);
}

static void put_int(struct buf *b, long v) {
  char tmp[24];
  int n = 0;
  unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    put_char(b, '-');
  while (n)
    put_char(b, tmp[--n]);
}

static const char *const words[] = {"alpha", "beta", "gamma", "delta", "quote\\\"d", "tab\\there",
                                    "omega", "x"};

static void generate(struct buf *b, long records) {
  put_char(b, '[');
  for (long r = 0; r < records; r++) {
    if (r)
      put_str(b, ",\n");
    put_str(b, "{\"id\": ");
    put_int(b, r);
    put_str(b, ", \"name\": \"");
    put_str(b, words[next_random() % 8]);
    put_str(b, "-");
    put_int(b, next_random() % 1000);
    put_str(b, "\", \"price\": ");
    put_int(b, (long)(next_random() % 200000) - 100000);
    put_char(b, '.');
    put_int(b, next_random() % 10);
    put_int(b, next_random() % 10);
    put_str(b, ", \"tags\": [");
    int ntags = next_random() % 6;
    for (int t = 0; t < ntags; t++) {
      if (t)
        put_str(b, ", ");
      if (next_random() % 3 == 0) {
        put_str(b, "[");
        put_int(b, next_random() % 100);
        put_str(b, ", true, null]");
      } else {
        put_int(b, (long)(next_random() % 1000000) - 500000);
      }
    }
    put_str(b, "], \"ok\": ");
    put_str(b, next_random() % 2 ? "true" : "false");
    put_char(b, '}');
  }
  put_str(b, "]\n");
  put_char(b, '\0');
}

struct parser {
  const char *p;
  uint64_t hash;    // FNV-1a over every decoded string
  long cents;       // decimals, in hundredths
  long ints;        // sum of the integers
  long strings, numbers, literals, arrays, objects;
};

static void fail(const char *what) {
  fprintf(stderr, "strparse: parse error: %s\n", what);
  exit(2);
}

static void skip_ws(struct parser *ps) {
  while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r')
    ps->p++;
}

static void parse_string(struct parser *ps) {
  if (*ps->p++ != '"')
    fail("expected string");
  for (;;) {
    char c = *ps->p++;
    if (c == '"')
      break;
    if (c == '\0')
      fail("unterminated string");
    if (c == '\\') {
      char e = *ps->p++;
      c = e == 't' ? '\t' : e == 'n' ? '\n' : e;
    }
    ps->hash = (ps->hash ^ (unsigned char)c) * 1099511628211ULL;
  }
  ps->strings++;
}

static void parse_number(struct parser *ps) {
  int neg = 0;
  if (*ps->p == '-') {
    neg = 1;
    ps->p++;
  }
  long whole = 0;
  if (*ps->p < '0' || *ps->p > '9')
    fail("expected digit");
  while (*ps->p >= '0' && *ps->p <= '9')
    whole = whole * 10 + (*ps->p++ - '0');
  if (*ps->p == '.') {
    ps->p++;
    long frac = 0;
    int digits = 0;
    while (*ps->p >= '0' && *ps->p <= '9') {
      if (digits < 2) {
        frac = frac * 10 + (*ps->p - '0');
        digits++;
      }
      ps->p++;
    }
    while (digits++ < 2)
      frac *= 10;
    long cents = whole * 100 + frac;
    ps->cents += neg ? -cents : cents;
  } else {
    ps->ints += neg ? -whole : whole;
  }
  ps->numbers++;
}

static void parse_value(struct parser *ps);

static void parse_array(struct parser *ps) {
  ps->p++; // '['
  skip_ws(ps);
  if (*ps->p == ']') {
    ps->p++;
  } else {
    for (;;) {
      parse_value(ps);
      skip_ws(ps);
      char c = *ps->p++;
      if (c == ']')
        break;
      if (c != ',')
        fail("expected , or ] in array");
    }
  }
  ps->arrays++;
}

static void parse_object(struct parser *ps) {
  ps->p++; // '{'
  skip_ws(ps);
  if (*ps->p == '}') {
    ps->p++;
  } else {
    for (;;) {
      skip_ws(ps);
      parse_string(ps);
      skip_ws(ps);
      if (*ps->p++ != ':')
        fail("expected :");
      parse_value(ps);
      skip_ws(ps);
      char c = *ps->p++;
      if (c == '}')
        break;
      if (c != ',')
        fail("expected , or } in object");
    }
  }
  ps->objects++;
}

static void parse_literal(struct parser *ps, const char *word) {
  size_t n = strlen(word);
  if (strncmp(ps->p, word, n) != 0)
    fail("bad literal");
  ps->p += n;
  ps->literals++;
}

static void parse_value(struct parser *ps) {
  skip_ws(ps);
  switch (*ps->p) {
  case '{': parse_object(ps); break;
  case '[': parse_array(ps); break;
  case '"': parse_string(ps); break;
  case 't': parse_literal(ps, "true"); break;
  case 'f': parse_literal(ps, "false"); break;
  case 'n': parse_literal(ps, "null"); break;
  default: parse_number(ps); break;
  }
}

int main(int argc, char **argv) {
  long records = (argc > 1 ? atol(argv[1]) : 10) * 1000L;
  struct buf text = {0};
  generate(&text, records);
  // Parse the same text several times, as a server re-parsing requests would.
  struct parser ps = {0};
  ps.hash = 1469598103934665603ULL;
  for (int pass = 0; pass < 4; pass++) {
    ps.p = text.data;
    parse_value(&ps);
    skip_ws(&ps);
    if (*ps.p != '\0')
      fail("trailing characters");
  }
  printf("%zu bytes: %ld objects, %ld arrays, %ld strings, %ld numbers, %ld literals\n", text.len,
         ps.objects, ps.arrays, ps.strings, ps.numbers, ps.literals);
  printf("ints %ld, cents %ld, string hash %016llx\n", ps.ints, ps.cents,
         (unsigned long long)ps.hash);
  free(text.data);
  return 0;
}
