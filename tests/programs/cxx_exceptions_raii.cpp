#include <cstdio>
#include <stdexcept>
#include <memory>
#include <vector>

static int live;
struct Guard {
    const char *name;
    explicit Guard(const char *n) : name(n) { ++live; std::printf("  acquire %s (live=%d)\n", name, live); }
    ~Guard() { --live; std::printf("  release %s (live=%d)\n", name, live); }
    Guard(const Guard &) = delete;
    Guard &operator=(const Guard &) = delete;
};

struct Composite {
    Guard a{"composite.a"};
    Guard b{"composite.b"};
    Composite(bool fail) { if (fail) throw std::runtime_error("Composite ctor failed"); }
};

static void inner(int n) {
    Guard g("inner");
    if (n == 3) throw std::runtime_error("inner failure at 3");
    std::printf("  inner ok %d\n", n);
}

static void middle(int n) {
    Guard g("middle");
    std::unique_ptr<Guard> heap(new Guard("middle-heap"));
    inner(n);
    Guard after("middle-after");
}

static int outer(int n) {
    Guard g("outer");
    try {
        middle(n);
    } catch (const std::logic_error &) {
        std::printf("  wrong handler\n");
    }
    return n;
}

int main() {
    for (int n = 2; n <= 3; ++n) {
        std::printf("run %d\n", n);
        try {
            outer(n);
            std::printf("run %d completed\n", n);
        } catch (const std::exception &e) {
            std::printf("main caught: %s (live=%d)\n", e.what(), live);
        }
    }
    std::printf("composite:\n");
    try {
        Composite c(true);
    } catch (const std::exception &e) {
        std::printf("caught %s (live=%d)\n", e.what(), live);
    }
    std::printf("vector of guards:\n");
    try {
        std::vector<std::unique_ptr<Guard>> v;
        v.emplace_back(new Guard("v0"));
        v.emplace_back(new Guard("v1"));
        v.emplace_back(new Guard("v2"));
        throw 5;
    } catch (int x) {
        std::printf("caught int %d (live=%d)\n", x, live);
    }
    std::printf("array of guards:\n");
    try {
        Guard arr[2] = {Guard("arr0"), Guard("arr1")};
        throw std::logic_error("array scope");
    } catch (const std::logic_error &e) {
        std::printf("caught %s (live=%d)\n", e.what(), live);
    }
    return live;
}
