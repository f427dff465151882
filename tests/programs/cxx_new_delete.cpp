#include <cstdio>
#include <cstdlib>
#include <new>
#include <cstring>

static int ctor_count, dtor_count;
struct Item {
    int id;
    char tag[8];
    Item() : id(ctor_count++) { std::snprintf(tag, sizeof tag, "i%d", id); }
    explicit Item(int v) : id(v) { ++ctor_count; std::snprintf(tag, sizeof tag, "v%d", v); }
    ~Item() { ++dtor_count; }
};

struct Pooled {
    static int allocs, frees;
    static unsigned char pool[1024];
    static std::size_t used;
    double payload[4];
    static void *operator new(std::size_t sz) {
        ++allocs;
        void *p = pool + used;
        used += (sz + 15) & ~static_cast<std::size_t>(15);
        return p;
    }
    static void operator delete(void *, std::size_t) { ++frees; }
    static void *operator new[](std::size_t sz) { ++allocs; return std::malloc(sz); }
    static void operator delete[](void *p) { ++frees; std::free(p); }
};
int Pooled::allocs, Pooled::frees;
alignas(16) unsigned char Pooled::pool[1024];
std::size_t Pooled::used;

struct Throws {
    static int made;
    Throws() { if (++made == 4) throw std::bad_alloc(); }
    ~Throws() { std::printf("~Throws\n"); }
};
int Throws::made;

int main() {
    Item *arr = new Item[10];
    int sum = 0;
    for (int i = 0; i < 10; ++i) sum += arr[i].id;
    std::printf("array of 10: sum ids=%d last tag=%s\n", sum, arr[9].tag);
    delete[] arr;
    std::printf("ctor=%d dtor=%d\n", ctor_count, dtor_count);
    Item *one = new Item(42);
    std::printf("single: %s\n", one->tag);
    delete one;
    int *ints = new int[1000]();
    long isum = 0;
    for (int i = 0; i < 1000; ++i) { isum += ints[i]; ints[i] = i; }
    for (int i = 0; i < 1000; ++i) isum += ints[i];
    delete[] ints;
    std::printf("value-initialized ints sum=%ld\n", isum);
    int **matrix = new int *[5];
    for (int i = 0; i < 5; ++i) { matrix[i] = new int[5]; for (int j = 0; j < 5; ++j) matrix[i][j] = i * j; }
    int tr = 0;
    for (int i = 0; i < 5; ++i) { tr += matrix[i][i]; delete[] matrix[i]; }
    delete[] matrix;
    std::printf("trace=%d\n", tr);
    alignas(Item) unsigned char storage[sizeof(Item) * 3];
    Item *placed = new (storage) Item(7);
    Item *placed2 = new (storage + sizeof(Item)) Item(8);
    std::printf("placement: %s %s\n", placed->tag, placed2->tag);
    placed->~Item();
    placed2->~Item();
    Pooled *p1 = new Pooled, *p2 = new Pooled;
    p1->payload[0] = 1.5;
    p2->payload[3] = 2.5;
    std::printf("pooled offset=%td sum=%.1f\n", reinterpret_cast<unsigned char *>(p2) - reinterpret_cast<unsigned char *>(p1),
                p1->payload[0] + p2->payload[3]);
    delete p1;
    delete p2;
    Pooled *pa = new Pooled[3];
    delete[] pa;
    std::printf("pooled allocs=%d frees=%d\n", Pooled::allocs, Pooled::frees);
    try {
        Throws *t = new Throws[6];
        delete[] t;
    } catch (const std::bad_alloc &) {
        std::printf("bad_alloc during array construction; made=%d\n", Throws::made);
    }
    int *nt = new (std::nothrow) int[16];
    std::printf("nothrow new %s\n", nt ? "succeeded" : "failed");
    delete[] nt;
    std::printf("final ctor=%d dtor=%d\n", ctor_count, dtor_count);
    return dtor_count;
}
