#include <cstdio>
#include <vector>
#include <map>
#include <unordered_map>
#include <set>
#include <unordered_set>
#include <deque>
#include <list>
#include <string>
#include <algorithm>
#include <numeric>

int main() {
    std::vector<int> v;
    for (int i = 0; i < 20; ++i) v.push_back((i * 37) % 23);
    std::printf("vector size=%zu front=%d back=%d sum=%d\n", v.size(), v.front(), v.back(), std::accumulate(v.begin(), v.end(), 0));
    v.erase(std::remove_if(v.begin(), v.end(), [](int x) { return x % 2 == 0; }), v.end());
    v.insert(v.begin() + 2, 1000);
    std::printf("after erase/insert:");
    for (int x : v) std::printf(" %d", x);
    std::printf("\n");

    std::map<std::string, int> m;
    const char *words[] = {"pear", "apple", "fig", "apple", "kiwi", "pear", "apple", "date"};
    for (const char *w : words) m[w]++;
    for (const auto &kv : m) std::printf("map %s=%d\n", kv.first.c_str(), kv.second);
    auto it = m.lower_bound("c");
    std::printf("lower_bound(c)=%s, count(fig)=%zu\n", it->first.c_str(), m.count("fig"));

    std::unordered_map<int, std::string> um;
    for (int i = 0; i < 50; ++i) um[i * 7 % 31] = "v" + std::to_string(i);
    std::vector<std::pair<int, std::string>> sorted(um.begin(), um.end());
    std::sort(sorted.begin(), sorted.end());
    std::printf("unordered_map size=%zu sorted:", um.size());
    for (auto &p : sorted) std::printf(" %d:%s", p.first, p.second.c_str());
    std::printf("\n");

    std::set<int> s = {5, 1, 9, 3, 7, 3, 1};
    s.insert(4);
    s.erase(9);
    std::printf("set:");
    for (int x : s) std::printf(" %d", x);
    std::printf(" (size %zu)\n", s.size());
    std::unordered_set<std::string> us = {"x", "y", "z", "x"};
    std::vector<std::string> usv(us.begin(), us.end());
    std::sort(usv.begin(), usv.end());
    std::printf("unordered_set sorted:");
    for (auto &x : usv) std::printf(" %s", x.c_str());
    std::printf("\n");
    std::multimap<int, char> mm = {{2, 'b'}, {1, 'a'}, {2, 'c'}, {3, 'd'}};
    auto range = mm.equal_range(2);
    std::printf("multimap key 2:");
    for (auto i = range.first; i != range.second; ++i) std::printf(" %c", i->second);
    std::printf("\n");

    std::deque<int> dq;
    for (int i = 0; i < 10; ++i) { if (i % 2) dq.push_back(i); else dq.push_front(i); }
    std::printf("deque:");
    for (int x : dq) std::printf(" %d", x);
    std::printf("\n");
    std::list<int> l = {5, 3, 8, 1, 9, 2};
    l.sort();
    l.reverse();
    l.remove(8);
    std::printf("list:");
    for (int x : l) std::printf(" %d", x);
    std::printf("\n");
    std::vector<std::vector<int>> grid(4, std::vector<int>(5));
    for (int i = 0; i < 4; ++i) for (int j = 0; j < 5; ++j) grid[i][j] = i * j;
    int diag = 0;
    for (int i = 0; i < 4; ++i) diag += grid[i][i];
    std::printf("grid diag=%d\n", diag);
    return static_cast<int>(m.size() + s.size());
}
