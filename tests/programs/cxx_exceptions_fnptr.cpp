#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>
#include <algorithm>

static int fails_on_negative(int x) {
    if (x < 0) throw std::domain_error("negative input " + std::to_string(x));
    return x * 2;
}

static int apply(int (*fn)(int), int v) { return fn(v) + 1; }
static int apply_fn(const std::function<int(int)> &fn, int v) { return fn(v) + 1; }

struct Visitor {
    int limit;
    void operator()(int v) const { if (v > limit) throw v; }
};

extern "C" {
typedef int (*c_callback)(int);
static int call_c_callback(c_callback cb, int v) { return cb(v); }
}

int main() {
    int (*fp)(int) = fails_on_negative;
    for (int v : {3, -4}) {
        try {
            std::printf("apply(%d) = %d\n", v, apply(fp, v));
        } catch (const std::domain_error &e) {
            std::printf("function pointer threw: %s\n", e.what());
        }
    }
    std::function<int(int)> f = [](int x) -> int {
        if (x == 7) throw std::string("lucky seven");
        return x + 100;
    };
    for (int v : {1, 7}) {
        try {
            std::printf("apply_fn(%d) = %d\n", v, apply_fn(f, v));
        } catch (const std::string &s) {
            std::printf("std::function threw: %s\n", s.c_str());
        }
    }
    std::vector<int> data = {1, 5, 2, 9, 3};
    try {
        std::for_each(data.begin(), data.end(), Visitor{6});
    } catch (int v) {
        std::printf("for_each visitor threw %d\n", v);
    }
    try {
        std::sort(data.begin(), data.end(), [](int a, int b) {
            if (a == 9 || b == 9) throw std::runtime_error("comparator saw 9");
            return a < b;
        });
    } catch (const std::runtime_error &e) {
        std::printf("sort comparator threw: %s\n", e.what());
    }
    std::function<int(int)> empty;
    try {
        empty(1);
    } catch (const std::bad_function_call &e) {
        std::printf("bad_function_call caught\n");
    }
    try {
        call_c_callback(fails_on_negative, -1);
    } catch (const std::exception &e) {
        std::printf("through extern \"C\" helper: %s\n", e.what());
    }
    std::function<long(int)> fact = [&](int n) -> long {
        if (n > 20) throw std::overflow_error("factorial too big");
        return n <= 1 ? 1 : n * fact(n - 1);
    };
    std::printf("fact(20)=%ld\n", fact(20));
    try { fact(25); } catch (const std::overflow_error &e) { std::printf("recursive std::function threw: %s\n", e.what()); }
    return 3;
}
