#include <stdio.h>

struct node { int value; struct node *next; };

static int sum_list(struct node *n, int count) {
    int s = 0;
    for (int i = 0; i < count; i++) {   /* walks past the end: next is NULL */
        s += n->value;
        n = n->next;
    }
    return s;
}

int main(void) {
    struct node c = {3, NULL}, b = {2, &c}, a = {1, &b};
    printf("sum of 3 = %d\n", sum_list(&a, 3));
    fprintf(stderr, "about to walk off the end of the list\n");
    fflush(stdout);
    struct node *volatile head = &a;
    int count = 4;
    printf("sum of 4 = %d\n", sum_list(head, count));
    return 0;
}
