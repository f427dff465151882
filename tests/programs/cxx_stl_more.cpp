#include <cstdio>
#include <optional>
#include <variant>
#include <tuple>
#include <queue>
#include <stack>
#include <array>
#include <bitset>
#include <string>
#include <string_view>
#include <vector>
#include <map>
#include <any>

using Value = std::variant<int, double, std::string>;

struct Printer {
    void operator()(int i) const { std::printf("int %d", i); }
    void operator()(double d) const { std::printf("double %.3f", d); }
    void operator()(const std::string &s) const { std::printf("string '%s'", s.c_str()); }
};

static std::optional<int> parse_int(std::string_view s) {
    if (s.empty()) return std::nullopt;
    int v = 0;
    for (char c : s) { if (c < '0' || c > '9') return std::nullopt; v = v * 10 + (c - '0'); }
    return v;
}

static std::tuple<int, double, std::string> stats(const std::vector<int> &v) {
    int mx = v[0];
    long sum = 0;
    for (int x : v) { sum += x; if (x > mx) mx = x; }
    return {mx, static_cast<double>(sum) / v.size(), std::to_string(v.size()) + " items"};
}

int main() {
    std::vector<Value> vals = {42, 3.14159, std::string("hello"), 7, std::string("x")};
    for (auto &v : vals) { std::visit(Printer{}, v); std::printf(" (index %zu)\n", v.index()); }
    int ints = 0;
    for (auto &v : vals) if (std::holds_alternative<int>(v)) ints += std::get<int>(v);
    std::printf("sum of ints=%d\n", ints);
    try { (void)std::get<double>(vals[0]); } catch (const std::bad_variant_access &) { std::printf("bad_variant_access\n"); }
    for (const char *s : {"123", "", "12a", "0"}) {
        auto r = parse_int(s);
        std::printf("parse_int('%s') = %s%d\n", s, r ? "" : "none/", r.value_or(-1));
    }
    auto [mx, avg, desc] = stats({4, 8, 15, 16, 23, 42});
    std::printf("stats: max=%d avg=%.3f %s\n", mx, avg, desc.c_str());
    auto t = std::make_tuple(1, 'c', 2.5);
    std::printf("tuple size=%zu get<1>=%c\n", std::tuple_size<decltype(t)>::value, std::get<1>(t));
    std::priority_queue<int> pq;
    for (int x : {5, 1, 9, 3, 7, 2}) pq.push(x);
    std::printf("priority_queue:");
    while (!pq.empty()) { std::printf(" %d", pq.top()); pq.pop(); }
    std::priority_queue<std::pair<int, std::string>, std::vector<std::pair<int, std::string>>, std::greater<>> minq;
    minq.push({3, "c"}); minq.push({1, "a"}); minq.push({2, "b"});
    std::printf("\nmin-queue top=%s\n", minq.top().second.c_str());
    std::stack<int> st;
    for (int i = 0; i < 5; ++i) st.push(i * i);
    std::printf("stack top=%d size=%zu\n", st.top(), st.size());
    std::queue<std::string> q;
    q.push("first"); q.push("second");
    std::printf("queue front=%s back=%s\n", q.front().c_str(), q.back().c_str());
    std::array<int, 6> arr = {3, 1, 4, 1, 5, 9};
    int prod = 1;
    for (int x : arr) prod *= x;
    std::printf("array size=%zu product=%d\n", arr.size(), prod);
    std::bitset<16> bs(0xA5F0);
    std::printf("bitset=%s count=%zu test(4)=%d\n", bs.to_string().c_str(), bs.count(), static_cast<int>(bs.test(4)));
    std::string_view sv = "  trim me  ";
    sv.remove_prefix(sv.find_first_not_of(' '));
    sv.remove_suffix(sv.size() - sv.find_last_not_of(' ') - 1);
    std::printf("string_view trimmed='%.*s'\n", static_cast<int>(sv.size()), sv.data());
    std::any a = 5;
    a = std::string("any string");
    std::printf("any holds string: %d -> %s\n", a.type() == typeid(std::string), std::any_cast<std::string>(a).c_str());
    std::map<std::string, std::vector<int>> groups;
    for (int i = 0; i < 12; ++i) groups[i % 3 == 0 ? "fizz" : i % 2 ? "odd" : "even"].push_back(i);
    for (auto &[k, v] : groups) {
        std::printf("%s:", k.c_str());
        for (int x : v) std::printf(" %d", x);
        std::printf("\n");
    }
    return static_cast<int>(bs.count());
}
