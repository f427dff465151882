#include <cstdio>
#include <string>
#include <sstream>
#include <vector>
#include <algorithm>
#include <cctype>

static std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) { if (c == sep) { out.push_back(cur); cur.clear(); } else cur += c; }
    out.push_back(cur);
    return out;
}

int main() {
    std::string s = "Hello";
    s += ", ";
    s.append("World");
    s.push_back('!');
    std::printf("%s len=%zu\n", s.c_str(), s.size());
    std::printf("find World=%zu rfind l=%zu npos? %d\n", s.find("World"), s.rfind('l'), s.find("xyz") == std::string::npos);
    std::string up = s;
    std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    std::printf("upper=%s substr=%s\n", up.c_str(), s.substr(7, 5).c_str());
    s.replace(0, 5, "Goodbye");
    s.insert(0, ">> ");
    s.erase(s.size() - 1);
    std::printf("modified=%s\n", s.c_str());
    std::string longs(1000, 'x');
    for (int i = 0; i < 1000; i += 7) longs[i] = static_cast<char>('a' + i % 26);
    std::size_t h = 0;
    for (char c : longs) h = h * 131 + static_cast<unsigned char>(c);
    std::printf("long string hash=%zu\n", h);
    auto parts = split("alpha,beta,,gamma,delta", ',');
    std::printf("split into %zu:", parts.size());
    for (auto &p : parts) std::printf(" [%s]", p.c_str());
    std::printf("\n");
    std::ostringstream os;
    os << "int=" << 42 << " double=" << 3.25 << " hex=" << std::hex << 255 << std::dec << " str=" << std::string("ok");
    std::printf("ostringstream: %s\n", os.str().c_str());
    std::istringstream is("10 20 abc 30.5");
    int a, b;
    std::string w;
    double d;
    is >> a >> b >> w >> d;
    std::printf("istringstream: %d %d %s %.1f\n", a, b, w.c_str(), d);
    std::string num = std::to_string(-12345) + "/" + std::to_string(6.5) + "/" + std::to_string(123456789012LL);
    std::printf("to_string: %s stoi=%d stod=%.3f\n", num.c_str(), std::stoi("  77abc"), std::stod("2.5e1"));
    std::string cmp1 = "apple", cmp2 = "apricot";
    std::printf("compare=%d less=%d eq=%d\n", cmp1.compare(cmp2) < 0, cmp1 < cmp2, cmp1 == std::string("apple"));
    std::vector<std::string> names = {"delta", "Alpha", "charlie", "Bravo", "echo"};
    std::sort(names.begin(), names.end(), [](const std::string &x, const std::string &y) {
        return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(),
                                            [](char p, char q) { return std::tolower(p) < std::tolower(q); });
    });
    std::string joined;
    for (auto &n : names) { if (!joined.empty()) joined += "|"; joined += n; }
    std::printf("case-insensitive sort: %s\n", joined.c_str());
    std::string sso = "short";
    std::string moved = std::move(sso);
    std::printf("moved=%s\n", moved.c_str());
    return static_cast<int>(parts.size());
}
