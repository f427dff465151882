#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry { char *key; int value; struct entry *next; } entry;
typedef struct { entry **buckets; size_t nbuckets, size; } table;

static unsigned long hash_str(const char *s) {
    unsigned long h = 5381;
    while (*s) h = h * 33 + (unsigned char)*s++;
    return h;
}

static void tbl_init(table *t, size_t n) { t->buckets = calloc(n, sizeof *t->buckets); t->nbuckets = n; t->size = 0; }

static void tbl_resize(table *t) {
    size_t nn = t->nbuckets * 2;
    entry **nb = calloc(nn, sizeof *nb);
    for (size_t i = 0; i < t->nbuckets; i++)
        for (entry *e = t->buckets[i], *nx; e; e = nx) {
            nx = e->next;
            size_t b = hash_str(e->key) % nn;
            e->next = nb[b];
            nb[b] = e;
        }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = nn;
}

static int *tbl_get(table *t, const char *k) {
    for (entry *e = t->buckets[hash_str(k) % t->nbuckets]; e; e = e->next)
        if (!strcmp(e->key, k)) return &e->value;
    return NULL;
}

static void tbl_put(table *t, const char *k, int v) {
    int *p = tbl_get(t, k);
    if (p) { *p = v; return; }
    if (t->size + 1 > t->nbuckets * 3 / 4) tbl_resize(t);
    entry *e = malloc(sizeof *e);
    e->key = strdup(k);
    e->value = v;
    size_t b = hash_str(k) % t->nbuckets;
    e->next = t->buckets[b];
    t->buckets[b] = e;
    t->size++;
}

static int tbl_del(table *t, const char *k) {
    entry **pp = &t->buckets[hash_str(k) % t->nbuckets];
    for (; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->key, k)) {
            entry *e = *pp;
            *pp = e->next;
            free(e->key);
            free(e);
            t->size--;
            return 1;
        }
    return 0;
}

static int cmp_entries(const void *a, const void *b) {
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->value != y->value) return y->value - x->value;
    return strcmp(x->key, y->key);
}

int main(void) {
    static const char text[] =
        "it is a truth universally acknowledged that a single man in possession of a good fortune must be in want "
        "of a wife however little known the feelings or views of such a man may be on his first entering a "
        "neighbourhood this truth is so well fixed in the minds of the surrounding families that he is considered "
        "the rightful property of some one or other of their daughters";
    table t;
    tbl_init(&t, 4);
    char word[32];
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        size_t n = 0;
        while (*p && *p != ' ' && n < sizeof word - 1) word[n++] = *p++;
        word[n] = 0;
        if (n) { int *c = tbl_get(&t, word); tbl_put(&t, word, c ? *c + 1 : 1); }
    }
    printf("distinct words=%zu buckets=%zu\n", t.size, t.nbuckets);
    for (int i = 0; i < 1000; i++) { snprintf(word, sizeof word, "key%d", i); tbl_put(&t, word, i); }
    int deleted = 0;
    for (int i = 0; i < 1000; i += 3) { snprintf(word, sizeof word, "key%d", i); deleted += tbl_del(&t, word); }
    printf("after bulk: size=%zu buckets=%zu deleted=%d key500=%d key501=%s\n", t.size, t.nbuckets, deleted,
           *tbl_get(&t, "key500"), tbl_get(&t, "key501") ? "present" : "absent");
    for (int i = 0; i < 1000; i++) { snprintf(word, sizeof word, "key%d", i); tbl_del(&t, word); }
    entry **all = malloc(t.size * sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < t.nbuckets; i++)
        for (entry *e = t.buckets[i]; e; e = e->next) all[k++] = e;
    qsort(all, k, sizeof *all, cmp_entries);
    for (size_t i = 0; i < k && i < 12; i++) printf("%-10s %d\n", all[i]->key, all[i]->value);
    size_t n_words = k;
    free(all);
    for (size_t i = 0; i < t.nbuckets; i++)
        for (entry *e = t.buckets[i], *nx; e; e = nx) { nx = e->next; free(e->key); free(e); }
    free(t.buckets);
    return (int)n_words;
}
