#include <iostream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

struct Point { int x, y; };
std::ostream &operator<<(std::ostream &os, const Point &p) { return os << '(' << p.x << ", " << p.y << ')'; }

int main() {
    std::cout << "Hello from std::cout" << std::endl;
    std::cerr << "Hello from std::cerr" << std::endl;
    std::cout << "int " << 42 << ", negative " << -17 << ", char " << 'c' << ", bool " << true << ' ' << std::boolalpha
              << false << std::noboolalpha << '\n';
    std::cout << std::setw(8) << 123 << '|' << std::left << std::setw(8) << 456 << '|' << std::right << std::setfill('0')
              << std::setw(8) << 789 << std::setfill(' ') << '|' << '\n';
    std::cout << std::hex << 255 << ' ' << std::showbase << 255 << ' ' << std::uppercase << 255 << std::nouppercase
              << std::noshowbase << ' ' << std::oct << 8 << std::dec << ' ' << 99 << '\n';
    double vals[] = {3.14159265358979, 1234567.891, 0.000012345, -2.5, 1e21};
    for (double v : vals) {
        std::cout << v << " | " << std::fixed << std::setprecision(3) << v << " | " << std::scientific
                  << std::setprecision(4) << v << " | " << std::defaultfloat << std::setprecision(10) << v
                  << std::setprecision(6) << '\n';
    }
    std::cout << std::showpos << 5 << ' ' << -5 << ' ' << 0.5 << std::noshowpos << '\n';
    std::cout << "point: " << Point{3, -4} << '\n';
    std::vector<Point> pts = {{1, 2}, {3, 4}, {5, 6}};
    for (std::size_t i = 0; i < pts.size(); ++i) std::cout << (i ? ", " : "[") << pts[i];
    std::cout << "]\n";
    std::cout << std::setw(10) << std::left << "left" << std::setw(10) << std::right << "right" << '\n';
    std::cout << std::setw(12) << std::internal << std::showpos << 42 << std::noshowpos << '\n';
    std::ostringstream table;
    for (int i = 1; i <= 5; ++i) table << std::setw(4) << i << std::setw(6) << i * i << std::setw(8) << i * i * i << '\n';
    std::cout << table.str();
    std::cout.put('X').put('\n');
    std::cout.write("written\n", 8);
    std::cerr << "error stream number " << 7 << '\n';
    std::clog << "clog goes to stderr too" << '\n';
    std::cout << "flush" << std::flush << " then no newline at end";
    return 4;
}
