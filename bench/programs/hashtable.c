// hashtable: an open-addressing hash table (linear probing, tombstones, growth by rehashing) with
// 64-bit keys, driven by a seeded PRNG through a mix of inserts, lookups and deletes.
// Usage: hashtable N. Performs N thousand operations; prints counts and a checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { EMPTY = 0, FULL = 1, DELETED = 2 };

struct slot {
  uint64_t key;
  uint64_t value;
  uint8_t state;
};

struct table {
  struct slot *slots;
  size_t cap;  // a power of two
  size_t live; // FULL slots
  size_t used; // FULL + DELETED slots
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t next_random(void) { // xorshift64*
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t hash(uint64_t k) { // splitmix64 finalizer
  k ^= k >> 30;
  k *= 0xBF58476D1CE4E5B9ULL;
  k ^= k >> 27;
  k *= 0x94D049BB133111EBULL;
  return k ^ (k >> 31);
}

static void table_init(struct table *t, size_t cap) {
  t->slots = calloc(cap, sizeof *t->slots);
  t->cap = cap;
  t->live = t->used = 0;
}

static struct slot *find(const struct table *t, uint64_t key) {
  size_t mask = t->cap - 1;
  for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
    struct slot *s = &t->slots[i];
    if (s->state == EMPTY)
      return NULL;
    if (s->state == FULL && s->key == key)
      return s;
  }
}

static void insert_new(struct table *t, uint64_t key, uint64_t value) {
  size_t mask = t->cap - 1;
  size_t i = hash(key) & mask;
  while (t->slots[i].state == FULL)
    i = (i + 1) & mask;
  if (t->slots[i].state == EMPTY)
    t->used++;
  t->slots[i] = (struct slot){key, value, FULL};
  t->live++;
}

static void rehash(struct table *t, size_t cap) {
  struct table bigger;
  table_init(&bigger, cap);
  for (size_t i = 0; i < t->cap; i++)
    if (t->slots[i].state == FULL)
      insert_new(&bigger, t->slots[i].key, t->slots[i].value);
  free(t->slots);
  *t = bigger;
}

// Returns 1 if the key was new.
static int put(struct table *t, uint64_t key, uint64_t value) {
  struct slot *s = find(t, key);
  if (s) {
    s->value = value;
    return 0;
  }
  if ((t->used + 1) * 4 > t->cap * 3) // keep the load (tombstones included) under 3/4
    rehash(t, t->live * 2 >= t->cap / 2 ? t->cap * 2 : t->cap);
  insert_new(t, key, value);
  return 1;
}

static int erase(struct table *t, uint64_t key) {
  struct slot *s = find(t, key);
  if (!s)
    return 0;
  s->state = DELETED;
  t->live--;
  return 1;
}

int main(int argc, char **argv) {
  long ops = (argc > 1 ? atol(argv[1]) : 100) * 1000L;
  // Keys come from a range about as large as the live set, so lookups and deletes often hit.
  uint64_t key_range = (uint64_t)(ops / 4 + 1);
  struct table t;
  table_init(&t, 16);
  long inserted = 0, found = 0, erased = 0;
  uint64_t checksum = 0;
  for (long i = 0; i < ops; i++) {
    uint64_t r = next_random();
    uint64_t key = (r >> 8) % key_range * 0x100000001ULL + 7;
    switch (r & 7) {
    case 0: case 1: case 2:
      inserted += put(&t, key, r);
      break;
    case 3: case 4: case 5: case 6: {
      struct slot *s = find(&t, key);
      if (s) {
        found++;
        checksum = checksum * 31 + s->value;
      }
      break;
    }
    default:
      erased += erase(&t, key);
      break;
    }
  }
  printf("ops %ld: inserted %ld, found %ld, erased %ld, live %zu, capacity %zu\n", ops, inserted,
         found, erased, t.live, t.cap);
  printf("checksum %016llx\n", (unsigned long long)checksum);
  free(t.slots);
  return 0;
}
