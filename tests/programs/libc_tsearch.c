#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <search.h>

/* Callbacks handed to the C library: tsearch/twalk/tdelete, lfind/lsearch, qsort_r. */
static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static long walk_sum;
static int walk_count, max_depth_seen;
static void walker(const void *node, VISIT which, int depth) {
    if (which == postorder || which == leaf) {
        int v = **(int *const *)node;
        walk_sum += v;
        walk_count++;
        if (walk_count <= 10) printf(" %d", v);
    }
    if (depth > max_depth_seen) max_depth_seen = depth;
}

static int cmp_mod(const void *a, const void *b, void *arg) {
    int m = *(int *)arg;
    int x = *(const int *)a % m, y = *(const int *)b % m;
    if (x != y) return x - y;
    return cmp_int(a, b);
}

static int freed;
static void free_node(void *p) { (void)p; freed++; }

int main(void) {
    static int values[200];
    void *root = NULL;
    unsigned s = 77;
    int dups = 0;
    for (int i = 0; i < 200; i++) {
        s = s * 1103515245u + 12345u;
        values[i] = (int)((s >> 16) % 500);
        int **found = tsearch(&values[i], &root, cmp_int);
        if (*found != &values[i]) dups++;
    }
    printf("inserted 200 values, %d duplicates\nfirst in order:", dups);
    twalk(root, walker);
    printf("\nwalk count=%d sum=%ld depth>0=%d\n", walk_count, walk_sum, max_depth_seen > 0);
    int key = values[10];
    printf("tfind(%d): %s\n", key, tfind(&key, &root, cmp_int) ? "found" : "missing");
    int removed = 0;
    for (int k = 0; k < 500; k += 5) if (tdelete(&k, &root, cmp_int)) removed++;
    walk_count = 0; walk_sum = 0;
    printf("after deleting multiples of 5 (%d removed):", removed);
    twalk(root, walker);
    printf("\nremaining=%d sum=%ld\n", walk_count, walk_sum);
    tdestroy(root, free_node);
    printf("tdestroy freed %d nodes\n", freed);

    int arr[10] = {5, 3, 8};
    size_t n = 3;
    int items[] = {8, 1, 3, 9, 1};
    for (int i = 0; i < 5; i++) lsearch(&items[i], arr, &n, sizeof(int), cmp_int);
    printf("lsearch array (n=%zu):", n);
    for (size_t i = 0; i < n; i++) printf(" %d", arr[i]);
    int k9 = 9;
    int *f = lfind(&k9, arr, &n, sizeof(int), cmp_int);
    printf("\nlfind 9 at index %td\n", f ? f - arr : -1);

    int nums[20];
    for (int i = 0; i < 20; i++) nums[i] = (i * 37 + 11) % 50;
    int mod = 7;
    qsort_r(nums, 20, sizeof(int), cmp_mod, &mod);
    printf("qsort_r by value mod 7:");
    for (int i = 0; i < 20; i++) printf(" %d", nums[i]);
    printf("\n");
    return removed;
}
