#include <cstdio>
#include <functional>
#include <vector>
#include <map>
#include <string>
#include <algorithm>
#include <memory>

static std::function<int(int)> make_adder(int n) { return [n](int x) { return x + n; }; }
static std::function<int()> make_counter() {
    auto count = std::make_shared<int>(0);
    return [count] { return ++*count; };
}
template <typename F> static auto twice(F f) { return [f](auto x) { return f(f(x)); }; }
static int apply_n(const std::function<int(int)> &f, int n, int x) { while (n--) x = f(x); return x; }

int main() {
    auto add5 = make_adder(5);
    std::printf("add5(10)=%d\n", add5(10));
    auto c1 = make_counter(), c2 = make_counter();
    c1(); c1();
    std::printf("counters: %d %d\n", c1(), c2());
    int base = 100;
    auto by_ref = [&base](int x) { base += x; return base; };
    auto by_val = [base](int x) mutable { base += x; return base; };
    by_ref(1); by_val(1);
    int r1 = by_ref(10), r2 = by_val(10);
    std::printf("by_ref=%d by_val=%d base=%d\n", r1, r2, base);
    auto square = [](auto x) { return x * x; };
    std::printf("generic: %d %.2f\n", square(7), square(1.5));
    auto quad = twice(square);
    std::printf("twice(square)(3)=%d\n", quad(3));
    std::printf("apply_n=%d\n", apply_n([](int x) { return x * 2 + 1; }, 5, 1));
    std::map<std::string, std::function<double(double, double)>> ops = {
        {"add", [](double a, double b) { return a + b; }},
        {"mul", [](double a, double b) { return a * b; }},
        {"pow", [](double a, double b) { double r = 1; for (int i = 0; i < static_cast<int>(b); ++i) r *= a; return r; }},
        {"hyp", [](double a, double b) { return a * a + b * b; }},
    };
    for (auto &kv : ops) std::printf("%s(3,4)=%.1f\n", kv.first.c_str(), kv.second(3, 4));
    std::function<int(int)> fib = [&fib](int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); };
    std::printf("fib(20)=%d\n", fib(20));
    std::vector<int> v = {5, 3, 9, 1, 7};
    int threshold = 4;
    auto cnt = std::count_if(v.begin(), v.end(), [threshold](int x) { return x > threshold; });
    std::sort(v.begin(), v.end(), [](int a, int b) { return a % 3 < b % 3 || (a % 3 == b % 3 && a < b); });
    std::printf("count>4=%td sorted by mod3:", cnt);
    for (int x : v) std::printf(" %d", x);
    std::printf("\n");
    std::vector<std::function<void()>> callbacks;
    std::string log;
    for (int i = 0; i < 5; ++i) callbacks.push_back([i, &log] { log += std::to_string(i * i) + ";"; });
    for (auto it = callbacks.rbegin(); it != callbacks.rend(); ++it) (*it)();
    std::printf("log=%s\n", log.c_str());
    int (*plain)(int) = [](int x) { return -x; };
    std::printf("lambda as fn ptr: %d\n", plain(8));
    auto immediately = [](int a, int b) { return a * b; }(6, 7);
    std::printf("IIFE=%d\n", immediately);
    std::function<int(int, int)> bound = std::bind(std::minus<int>(), std::placeholders::_2, std::placeholders::_1);
    std::printf("bind swapped minus(3,10)=%d\n", bound(3, 10));
    auto uptr = std::make_unique<int>(77);
    auto owns = [p = std::move(uptr)] { return *p + 1; };
    std::printf("init-capture move: %d uptr now %s\n", owns(), uptr ? "set" : "null");
    return c1();
}
