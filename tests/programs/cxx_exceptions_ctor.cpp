#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>
#include <memory>

static int live;
struct Part {
    std::string name;
    explicit Part(const std::string &n, bool fail = false) : name(n) {
        if (fail) { std::printf("  Part(%s) throws\n", n.c_str()); throw std::runtime_error("part " + n + " failed"); }
        ++live;
        std::printf("  Part(%s) live=%d\n", n.c_str(), live);
    }
    ~Part() { --live; std::printf("  ~Part(%s) live=%d\n", name.c_str(), live); }
};

struct Machine {
    Part engine;
    Part wheels;
    std::unique_ptr<Part> extra;
    Machine(bool fail_wheels, bool fail_body)
        : engine("engine"), wheels("wheels", fail_wheels), extra(new Part("extra")) {
        if (fail_body) throw std::logic_error("machine body failed");
        std::printf("  Machine complete\n");
    }
    ~Machine() { std::printf("  ~Machine\n"); }
};

// function-try-block on a constructor: handler runs, exception is rethrown automatically
struct Wrapper {
    Part inner;
    Wrapper() try : inner("wrapped", true) {
        std::printf("  not reached\n");
    } catch (const std::exception &e) {
        std::printf("  Wrapper handler saw: %s\n", e.what());
    }
};

struct NoexceptDtor {
    ~NoexceptDtor() {
        try { throw 1; } catch (int) { std::printf("  exception handled inside destructor\n"); }
    }
};

static int function_try(int x) try {
    if (x > 2) throw std::out_of_range("x too large");
    return x * 10;
} catch (const std::out_of_range &e) {
    std::printf("  function-try-block caught %s\n", e.what());
    return -1;
}

int main() {
    const bool cases[3][2] = {{false, false}, {true, false}, {false, true}};
    for (int i = 0; i < 3; ++i) {
        std::printf("case %d:\n", i);
        try {
            Machine m(cases[i][0], cases[i][1]);
        } catch (const std::exception &e) {
            std::printf("  caught: %s (live=%d)\n", e.what(), live);
        }
    }
    std::printf("wrapper:\n");
    try {
        Wrapper w;
    } catch (const std::runtime_error &e) {
        std::printf("  rethrown automatically: %s\n", e.what());
    }
    std::printf("vector growth with throwing element copy:\n");
    try {
        std::vector<Part> parts;
        parts.reserve(4);
        parts.emplace_back("p0");
        parts.emplace_back("p1");
        parts.emplace_back("p2", true);
    } catch (const std::exception &e) {
        std::printf("  caught: %s (live=%d)\n", e.what(), live);
    }
    std::printf("noexcept dtor:\n");
    { NoexceptDtor d; }
    std::printf("function_try: %d %d\n", function_try(2), function_try(5));
    return live;
}
