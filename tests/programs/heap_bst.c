#include <stdio.h>
#include <stdlib.h>

typedef struct tree { int key; int count; struct tree *l, *r; } tree;

static tree *insert(tree *t, int k) {
    if (!t) {
        t = calloc(1, sizeof *t);
        t->key = k; t->count = 1;
        return t;
    }
    if (k < t->key) t->l = insert(t->l, k);
    else if (k > t->key) t->r = insert(t->r, k);
    else t->count++;
    return t;
}

static tree *delete(tree *t, int k) {
    if (!t) return NULL;
    if (k < t->key) t->l = delete(t->l, k);
    else if (k > t->key) t->r = delete(t->r, k);
    else {
        if (!t->l || !t->r) { tree *c = t->l ? t->l : t->r; free(t); return c; }
        tree *m = t->r;
        while (m->l) m = m->l;
        t->key = m->key; t->count = m->count;
        m->count = 1;
        t->r = delete(t->r, m->key);
    }
    return t;
}

static int height(const tree *t) {
    if (!t) return 0;
    int a = height(t->l), b = height(t->r);
    return 1 + (a > b ? a : b);
}

static long nodes, total, checksum;
static void inorder(const tree *t) {
    if (!t) return;
    inorder(t->l);
    nodes++; total += t->count;
    checksum = checksum * 31 + t->key * t->count;
    checksum %= 1000000007;
    inorder(t->r);
}

static void freetree(tree *t) { if (t) { freetree(t->l); freetree(t->r); free(t); } }

static void print_range(const tree *t, int lo, int hi) {
    if (!t) return;
    if (t->key > lo) print_range(t->l, lo, hi);
    if (t->key >= lo && t->key <= hi) printf(" %d(x%d)", t->key, t->count);
    if (t->key < hi) print_range(t->r, lo, hi);
}

int main(void) {
    tree *root = NULL;
    unsigned s = 1;
    for (int i = 0; i < 5000; i++) {
        s = s * 1103515245u + 12345u;
        root = insert(root, (int)((s >> 16) % 3000));
    }
    inorder(root);
    printf("nodes=%ld total=%ld checksum=%ld height=%d\n", nodes, total, checksum, height(root));
    printf("range 100..140:");
    print_range(root, 100, 140);
    printf("\n");
    for (int k = 0; k < 3000; k += 2) root = delete(root, k);
    nodes = total = checksum = 0;
    inorder(root);
    printf("after delete: nodes=%ld total=%ld checksum=%ld height=%d\n", nodes, total, checksum, height(root));
    freetree(root);
    return (int)(nodes % 256);
}
