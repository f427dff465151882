#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>

template <typename T> T max_of(T a, T b) { return a > b ? a : b; }
template <> const char *max_of<const char *>(const char *a, const char *b) { return std::strcmp(a, b) > 0 ? a : b; }

template <typename T, int N> struct FixedVec {
    T data[N];
    int size = 0;
    void push(const T &v) { if (size < N) data[size++] = v; }
    T sum() const { T s{}; for (int i = 0; i < size; ++i) s += data[i]; return s; }
    static constexpr int capacity() { return N; }
};

template <typename T> struct TypeName { static const char *get() { return "unknown"; } };
template <> struct TypeName<int> { static const char *get() { return "int"; } };
template <> struct TypeName<double> { static const char *get() { return "double"; } };
template <typename T> struct TypeName<T *> { static std::string get() { return std::string(TypeName<T>::get()) + "*"; } };

// variadic templates
template <typename... Ts> constexpr std::size_t count_args(Ts...) { return sizeof...(Ts); }
static void print_all() { std::printf("\n"); }
template <typename T, typename... Rest> void print_all(const T &first, const Rest &...rest);
static void print_one(int v) { std::printf("int:%d ", v); }
static void print_one(double v) { std::printf("double:%.2f ", v); }
static void print_one(const char *v) { std::printf("str:%s ", v); }
static void print_one(const std::string &v) { std::printf("string:%s ", v.c_str()); }
template <typename T, typename... Rest> void print_all(const T &first, const Rest &...rest) {
    print_one(first);
    print_all(rest...);
}
template <typename... Ts> auto sum_all(Ts... xs) { return (xs + ... + 0); }
template <typename... Ts> bool all_positive(Ts... xs) { return ((xs > 0) && ...); }

// compile-time computation
template <unsigned N> struct Fact { static constexpr unsigned long long value = N * Fact<N - 1>::value; };
template <> struct Fact<0> { static constexpr unsigned long long value = 1; };
constexpr long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static_assert(Fact<10>::value == 3628800, "fact");

// SFINAE / if constexpr
template <typename T> std::string describe(const T &v) {
    if constexpr (std::is_integral_v<T>) return "integral " + std::to_string(v);
    else if constexpr (std::is_floating_point_v<T>) return "floating " + std::to_string(v);
    else return std::string("other ") + v;
}

// CRTP
template <typename Derived> struct Counter {
    static int created;
    Counter() { ++created; }
    int id() const { return static_cast<const Derived *>(this)->raw_id() * 10; }
};
template <typename Derived> int Counter<Derived>::created = 0;
struct Widget : Counter<Widget> { int raw_id() const { return 4; } };
struct Gadget : Counter<Gadget> { int raw_id() const { return 7; } };

// template template parameter
template <template <typename, int> class C, typename T> T fill_and_sum(T start) {
    C<T, 5> c;
    for (int i = 0; i < 7; ++i) c.push(start + T(i));
    return c.sum();
}

int main() {
    std::printf("max_of: %d %.2f %s\n", max_of(3, 9), max_of(2.5, -1.0), max_of("apple", "banana"));
    FixedVec<int, 4> fv;
    for (int i = 1; i <= 6; ++i) fv.push(i * i);
    std::printf("FixedVec size=%d sum=%d cap=%d\n", fv.size, fv.sum(), FixedVec<int, 4>::capacity());
    std::printf("TypeName: %s %s %s %s\n", TypeName<int>::get(), TypeName<double>::get(), TypeName<int *>::get().c_str(),
                TypeName<char>::get());
    std::printf("count_args=%zu\n", count_args(1, 2.0, "x", 'c'));
    print_all(1, 2.5, "three", std::string("four"), 5);
    std::printf("sum_all=%d %.2f all_positive=%d %d\n", sum_all(1, 2, 3, 4), sum_all(1.5, 2.25), all_positive(1, 2, 3),
                all_positive(1, -2, 3));
    constexpr long f20 = fib(20);
    std::printf("Fact<20>=%llu fib(20)=%ld\n", Fact<20>::value, f20);
    std::printf("%s | %s | %s\n", describe(42).c_str(), describe(2.5).c_str(), describe("text").c_str());
    Widget w1, w2, w3;
    Gadget g1;
    std::printf("widgets=%d gadgets=%d ids=%d %d\n", Counter<Widget>::created, Counter<Gadget>::created, w1.id(), g1.id());
    (void)w2; (void)w3;
    std::printf("fill_and_sum int=%d double=%.1f\n", fill_and_sum<FixedVec>(10), fill_and_sum<FixedVec>(0.5));
    return Counter<Widget>::created;
}
