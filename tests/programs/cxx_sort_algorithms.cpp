// stable_sort instantiates libstdc++'s deprecated get_temporary_buffer; silence that header warning.
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#include <cstdio>
#include <vector>
#include <algorithm>
#include <numeric>
#include <string>
#include <functional>
#include <iterator>

struct Employee { std::string name; int dept; double salary; int id; };

int main() {
    std::vector<int> v(40);
    unsigned s = 2024;
    for (auto &x : v) { s = s * 1103515245u + 12345u; x = static_cast<int>((s >> 16) % 100); }
    std::vector<int> a = v;
    std::sort(a.begin(), a.end());
    std::printf("sorted:");
    for (int x : a) std::printf(" %d", x);
    std::printf("\n");
    std::sort(a.begin(), a.end(), std::greater<int>());
    std::printf("desc first=%d last=%d\n", a.front(), a.back());
    auto b = v;
    std::nth_element(b.begin(), b.begin() + 20, b.end());
    std::printf("median(nth_element)=%d\n", b[20]);
    auto c = v;
    std::partial_sort(c.begin(), c.begin() + 5, c.end());
    std::printf("smallest5: %d %d %d %d %d\n", c[0], c[1], c[2], c[3], c[4]);
    std::sort(a.begin(), a.end());
    auto lb = std::lower_bound(a.begin(), a.end(), 50), ub = std::upper_bound(a.begin(), a.end(), 50);
    std::printf("lower_bound(50) idx=%td upper idx=%td binary_search(42)=%d\n", lb - a.begin(), ub - a.begin(),
                std::binary_search(a.begin(), a.end(), 42));
    a.erase(std::unique(a.begin(), a.end()), a.end());
    std::printf("unique count=%zu\n", a.size());
    std::vector<Employee> staff = {{"ann", 2, 5000, 1}, {"bob", 1, 4000, 2}, {"cid", 2, 5000, 3}, {"dee", 1, 6000, 4},
                                   {"eve", 3, 4500, 5}, {"fay", 2, 4000, 6}, {"gus", 1, 4000, 7}};
    std::stable_sort(staff.begin(), staff.end(), [](const Employee &x, const Employee &y) { return x.salary > y.salary; });
    std::stable_sort(staff.begin(), staff.end(), [](const Employee &x, const Employee &y) { return x.dept < y.dept; });
    for (auto &e : staff) std::printf("dept %d %-4s %.0f id=%d\n", e.dept, e.name.c_str(), e.salary, e.id);
    double total = std::accumulate(staff.begin(), staff.end(), 0.0, [](double acc, const Employee &e) { return acc + e.salary; });
    auto rich = std::count_if(staff.begin(), staff.end(), [](const Employee &e) { return e.salary >= 5000; });
    auto mx = std::max_element(staff.begin(), staff.end(), [](const Employee &x, const Employee &y) { return x.salary < y.salary; });
    std::printf("total=%.0f rich=%td top=%s\n", total, rich, mx->name.c_str());
    std::vector<int> p = {1, 2, 3, 4};
    int perms = 0;
    do { ++perms; } while (std::next_permutation(p.begin(), p.end()));
    std::printf("permutations=%d\n", perms);
    std::vector<int> sq(10);
    std::iota(sq.begin(), sq.end(), 1);
    std::transform(sq.begin(), sq.end(), sq.begin(), [](int x) { return x * x; });
    std::vector<int> partial(10);
    std::partial_sum(sq.begin(), sq.end(), partial.begin());
    std::printf("partial sums of squares: %d %d %d\n", partial[0], partial[4], partial[9]);
    std::vector<int> evens, odds;
    std::partition_copy(sq.begin(), sq.end(), std::back_inserter(evens), std::back_inserter(odds), [](int x) { return x % 2 == 0; });
    std::printf("evens=%zu odds=%zu inner_product=%d\n", evens.size(), odds.size(),
                std::inner_product(evens.begin(), evens.end(), odds.begin(), 0));
    std::vector<int> m1 = {1, 4, 7, 10}, m2 = {2, 3, 8, 9, 11}, merged;
    std::merge(m1.begin(), m1.end(), m2.begin(), m2.end(), std::back_inserter(merged));
    std::rotate(merged.begin(), merged.begin() + 3, merged.end());
    std::reverse(merged.begin(), merged.begin() + 4);
    std::printf("merged/rotated/reversed:");
    for (int x : merged) std::printf(" %d", x);
    std::printf("\n");
    std::vector<int> big(100000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<int>((i * 2654435761u) % 1000003);
    std::sort(big.begin(), big.end());
    long long chk = 0;
    for (std::size_t i = 0; i < big.size(); i += 997) chk += big[i];
    std::printf("big sort is_sorted=%d checksum=%lld\n", std::is_sorted(big.begin(), big.end()), chk);
    return perms;
}
