#include <iostream>
#include <string>
#include <sstream>
#include <vector>
#include <map>
#include <algorithm>
#include <iomanip>

// Reads a small "inventory" from std::cin: a count, then records, then free text lines.
int main() {
    int n = 0;
    if (!(std::cin >> n)) { std::cerr << "no count" << std::endl; return 1; }
    struct Item { std::string name; int qty; double price; };
    std::vector<Item> items;
    for (int i = 0; i < n; ++i) {
        Item it;
        std::cin >> it.name >> it.qty >> it.price;
        if (!std::cin) { std::cerr << "bad record " << i << std::endl; return 2; }
        items.push_back(it);
    }
    std::string rest;
    std::getline(std::cin, rest);  // finish the current line
    std::map<std::string, int> word_freq;
    int lines = 0;
    std::string line;
    while (std::getline(std::cin, line)) {
        ++lines;
        std::istringstream ws(line);
        std::string w;
        while (ws >> w) {
            std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            w.erase(std::remove_if(w.begin(), w.end(), [](unsigned char c) { return !std::isalnum(c); }), w.end());
            if (!w.empty()) ++word_freq[w];
        }
    }
    std::sort(items.begin(), items.end(), [](const Item &a, const Item &b) { return a.qty * a.price > b.qty * b.price; });
    double total = 0;
    std::cout << std::fixed << std::setprecision(2);
    for (const auto &it : items) {
        std::cout << std::left << std::setw(10) << it.name << std::right << std::setw(5) << it.qty << std::setw(9)
                  << it.price << std::setw(10) << it.qty * it.price << '\n';
        total += it.qty * it.price;
    }
    std::cout << "total value " << total << '\n';
    std::cout << lines << " text lines, " << word_freq.size() << " distinct words\n";
    std::vector<std::pair<int, std::string>> top;
    for (auto &kv : word_freq) top.push_back({-kv.second, kv.first});
    std::sort(top.begin(), top.end());
    for (std::size_t i = 0; i < top.size() && i < 5; ++i) std::cout << top[i].second << ' ' << -top[i].first << '\n';
    std::cout << "eof=" << std::cin.eof() << std::endl;
    return static_cast<int>(items.size());
}
