#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct person { char name[16]; int age; double score; int id; };

static int by_age_then_name(const void *a, const void *b) {
    const struct person *x = a, *y = b;
    if (x->age != y->age) return x->age - y->age;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->id - y->id;
}
static int by_score_desc(const void *a, const void *b) {
    const struct person *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->id - y->id;
}

typedef int (*cmpfn)(const void *, const void *);

int main(void) {
    static const char *names[] = {"Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus", "Hal"};
    struct person people[40];
    unsigned s = 99;
    for (int i = 0; i < 40; i++) {
        s = s * 214013u + 2531011u;
        strcpy(people[i].name, names[(s >> 16) % 8]);
        people[i].age = 20 + (int)((s >> 8) % 5);
        people[i].score = (double)((s >> 4) % 1000) / 10.0;
        people[i].id = i;
    }
    cmpfn fns[2] = {by_age_then_name, by_score_desc};
    const char *labels[2] = {"by age/name", "by score"};
    for (int k = 0; k < 2; k++) {
        qsort(people, 40, sizeof people[0], fns[k]);
        printf("== %s ==\n", labels[k]);
        for (int i = 0; i < 40; i++)
            printf("%2d %-4s %d %5.1f%s", people[i].id, people[i].name, people[i].age, people[i].score,
                   i % 4 == 3 ? "\n" : " | ");
    }
    return people[0].id;
}
