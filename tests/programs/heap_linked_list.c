#include <stdio.h>
#include <stdlib.h>

struct node { long value; struct node *next; };

static struct node *push(struct node *head, long v) {
    struct node *n = malloc(sizeof *n);
    if (!n) { perror("malloc"); exit(1); }
    n->value = v;
    n->next = head;
    return n;
}

static struct node *reverse(struct node *h) {
    struct node *prev = NULL;
    while (h) { struct node *nx = h->next; h->next = prev; prev = h; h = nx; }
    return prev;
}

static struct node *merge(struct node *a, struct node *b) {
    struct node dummy = {0, NULL}, *t = &dummy;
    while (a && b) {
        if (a->value <= b->value) { t->next = a; a = a->next; }
        else { t->next = b; b = b->next; }
        t = t->next;
    }
    t->next = a ? a : b;
    return dummy.next;
}

static struct node *msort(struct node *h) {
    if (!h || !h->next) return h;
    struct node *slow = h, *fast = h->next;
    while (fast && fast->next) { slow = slow->next; fast = fast->next->next; }
    struct node *second = slow->next;
    slow->next = NULL;
    return merge(msort(h), msort(second));
}

static struct node *remove_if_div(struct node *h, long d, int *removed) {
    struct node **pp = &h;
    while (*pp) {
        if ((*pp)->value % d == 0) {
            struct node *dead = *pp;
            *pp = dead->next;
            free(dead);
            (*removed)++;
        } else pp = &(*pp)->next;
    }
    return h;
}

static void print_some(const char *tag, struct node *h, int max) {
    printf("%s:", tag);
    for (int i = 0; h && i < max; h = h->next, i++) printf(" %ld", h->value);
    printf("\n");
}

int main(void) {
    struct node *list = NULL;
    unsigned long x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        list = push(list, (long)(x >> 44));
    }
    print_some("initial", list, 8);
    list = reverse(list);
    print_some("reversed", list, 8);
    list = msort(list);
    print_some("sorted", list, 8);
    int removed = 0;
    list = remove_if_div(list, 3, &removed);
    print_some("filtered", list, 8);
    long count = 0, sum = 0, prev = -1, ok = 1;
    for (struct node *n = list; n; n = n->next) {
        count++; sum += n->value;
        if (n->value < prev) ok = 0;
        prev = n->value;
    }
    printf("count=%ld removed=%d sum=%ld sorted=%ld max=%ld\n", count, removed, sum, ok, prev);
    while (list) { struct node *n = list->next; free(list); list = n; }
    return 0;
}
