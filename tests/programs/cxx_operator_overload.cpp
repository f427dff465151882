#include <cstdio>
#include <cmath>
#include <string>

struct Vec2 {
    double x, y;
    Vec2 operator+(const Vec2 &o) const { return {x + o.x, y + o.y}; }
    Vec2 operator-(const Vec2 &o) const { return {x - o.x, y - o.y}; }
    Vec2 operator*(double k) const { return {x * k, y * k}; }
    double operator*(const Vec2 &o) const { return x * o.x + y * o.y; }
    Vec2 &operator+=(const Vec2 &o) { x += o.x; y += o.y; return *this; }
    Vec2 operator-() const { return {-x, -y}; }
    bool operator==(const Vec2 &o) const { return x == o.x && y == o.y; }
    bool operator!=(const Vec2 &o) const { return !(*this == o); }
};
static Vec2 operator*(double k, const Vec2 &v) { return v * k; }

class Fraction {
    long n_, d_;
    static long gcd(long a, long b) { while (b) { long t = a % b; a = b; b = t; } return a < 0 ? -a : a; }
    void norm() { if (d_ < 0) { n_ = -n_; d_ = -d_; } long g = gcd(n_, d_); if (g) { n_ /= g; d_ /= g; } }
public:
    Fraction(long n = 0, long d = 1) : n_(n), d_(d) { norm(); }
    Fraction operator+(const Fraction &o) const { return {n_ * o.d_ + o.n_ * d_, d_ * o.d_}; }
    Fraction operator-(const Fraction &o) const { return {n_ * o.d_ - o.n_ * d_, d_ * o.d_}; }
    Fraction operator*(const Fraction &o) const { return {n_ * o.n_, d_ * o.d_}; }
    Fraction operator/(const Fraction &o) const { return {n_ * o.d_, d_ * o.n_}; }
    bool operator<(const Fraction &o) const { return n_ * o.d_ < o.n_ * d_; }
    explicit operator double() const { return static_cast<double>(n_) / d_; }
    std::string str() const { return std::to_string(n_) + "/" + std::to_string(d_); }
    Fraction &operator++() { n_ += d_; return *this; }
    Fraction operator++(int) { Fraction t = *this; ++*this; return t; }
};

struct Matrix2 {
    long a, b, c, d;
    Matrix2 operator*(const Matrix2 &o) const {
        return {(a * o.a + b * o.c) % 1000000007, (a * o.b + b * o.d) % 1000000007,
                (c * o.a + d * o.c) % 1000000007, (c * o.b + d * o.d) % 1000000007};
    }
};
static Matrix2 power(Matrix2 m, unsigned long e) {
    Matrix2 r{1, 0, 0, 1};
    while (e) { if (e & 1) r = r * m; m = m * m; e >>= 1; }
    return r;
}

struct Poly {
    long c[8] = {0};
    long &operator[](int i) { return c[i]; }
    long operator[](int i) const { return c[i]; }
    long operator()(long x) const { long r = 0; for (int i = 7; i >= 0; --i) r = r * x + c[i]; return r; }
};

struct BitSet {
    unsigned long bits = 0;
    BitSet operator|(const BitSet &o) const { return {bits | o.bits}; }
    BitSet operator&(const BitSet &o) const { return {bits & o.bits}; }
    BitSet operator~() const { return {~bits & 0xff}; }
    BitSet operator<<(int k) const { return {(bits << k) & 0xff}; }
    explicit operator bool() const { return bits != 0; }
};

int main() {
    Vec2 a{1, 2}, b{3.5, -1};
    Vec2 c = a + b * 2 - -a;
    c += 0.5 * a;
    std::printf("vec c=(%.2f, %.2f) dot=%.2f eq=%d ne=%d\n", c.x, c.y, a * b, a == Vec2{1, 2}, a != b);
    Fraction f(1, 3), g(-2, 4);
    Fraction h = f + g * Fraction(3, 5) / Fraction(7, 2);
    std::printf("fractions: %s %s %s less=%d double=%.6f\n", f.str().c_str(), g.str().c_str(), h.str().c_str(), g < f,
                static_cast<double>(h));
    Fraction sum;
    for (int i = 1; i <= 10; ++i) sum = sum + Fraction(1, i * (i + 1));
    Fraction post = sum++;
    std::printf("telescoping sum=%s post=%s\n", sum.str().c_str(), post.str().c_str());
    Matrix2 fibm = power({1, 1, 1, 0}, 1000);
    std::printf("fib(1000) mod 1e9+7 = %ld\n", fibm.b);
    Poly p;
    p[0] = 1; p[1] = -3; p[3] = 2;
    std::printf("p(2)=%ld p(-1)=%ld p[3]=%ld\n", p(2), p(-1), static_cast<const Poly &>(p)[3]);
    BitSet x{0x0f}, y{0x3c};
    BitSet z = (x | y) & ~(x << 2);
    std::printf("bits=%02lx truthy=%d\n", z.bits, static_cast<bool>(z));
    return static_cast<int>(fibm.b % 256);
}
