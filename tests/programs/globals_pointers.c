#include <stdio.h>
#include <string.h>

/* Static data that points at functions and at other static data: relocations galore. */
static int square(int x) { return x * x; }
static int negate(int x) { return -x; }
static int twice(int x) { return 2 * x; }

int numbers[10] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
int *middle = &numbers[5];
int *const end_ptr = numbers + 10;
int **pp_middle = &middle;
const char greeting[] = "hello, globals";
const char *greeting_tail = greeting + 7;
const char *const words[] = {"alpha", "beta", "gamma", greeting};
const char *const *words_ptr = &words[1];

struct op { const char *name; int (*fn)(int); const struct op *next; int *data; };
static const struct op op_c = {"twice", twice, NULL, &numbers[9]};
static const struct op op_b = {"negate", negate, &op_c, &numbers[1]};
static const struct op op_a = {"square", square, &op_b, numbers};
static const struct op *const op_list = &op_a;

/* circular linked static data */
struct ring { int id; struct ring *next, *prev; };
extern struct ring r0, r1, r2;
struct ring r0 = {0, &r1, &r2}, r1 = {1, &r2, &r0}, r2 = {2, &r0, &r1};

/* table of function pointers inside a struct array, plus pointer into a 2D array */
static int matrix[3][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}};
static int (*row_ptr)[4] = &matrix[1];
static int *elem_ptr = &matrix[2][3];
static int (*fn_table[][2])(int) = {{square, negate}, {twice, square}, {negate, twice}};
static char buffer[32] = "mutable";
static char *buf_ptr = buffer + 3;
static long addr_diff = (long)sizeof(matrix) / (long)sizeof(matrix[0]);
static void *generic[] = {numbers, buffer, &r1, (void *)0};

/* self-referential structure */
struct self { struct self *me; int v; } self_ref = {&self_ref, 77};

int main(void) {
    printf("numbers via middle: %d %d %d, end-begin=%td\n", *middle, middle[-1], **pp_middle, end_ptr - numbers);
    printf("greeting tail: %s; words: %s %s; words_ptr: %s %s\n", greeting_tail, words[0], words[3], words_ptr[0],
           words_ptr[1]);
    int v = 3;
    for (const struct op *o = op_list; o; o = o->next) {
        v = o->fn(v) + *o->data;
        printf("op %-6s -> %d\n", o->name, v);
    }
    struct ring *r = &r0;
    printf("ring forward:");
    for (int i = 0; i < 7; i++) { printf(" %d", r->id); r = r->next; }
    printf("\nring backward:");
    for (int i = 0; i < 7; i++) { printf(" %d", r->id); r = r->prev; }
    printf("\nrow_ptr: %d %d, elem: %d, rows=%ld\n", (*row_ptr)[0], row_ptr[1][2], *elem_ptr, addr_diff);
    int acc = 1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) acc = fn_table[i][j](acc) % 1000 + 1;
    printf("fn_table acc=%d\n", acc);
    strcpy(buf_ptr, "ated!");
    printf("buffer: %s\n", buffer);
    printf("generic: %d %c %d null=%d\n", *(int *)generic[0], *(char *)generic[1], ((struct ring *)generic[2])->id,
           generic[3] == NULL);
    printf("self: %d %d\n", self_ref.me->me->v, self_ref.me == &self_ref);
    middle = &numbers[2];
    *middle = 100;
    printf("numbers[2] now %d, via pp %d\n", numbers[2], **pp_middle);
    return acc % 256;
}
