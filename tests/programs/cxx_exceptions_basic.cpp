#include <cstdio>
#include <stdexcept>
#include <string>

struct Base { int code; explicit Base(int c) : code(c) {} virtual ~Base() {} virtual const char *kind() const { return "Base"; } };
struct Derived : Base { using Base::Base; const char *kind() const override { return "Derived"; } };
struct MoreDerived : Derived { std::string info; MoreDerived(int c, std::string s) : Derived(c), info(std::move(s)) {}
    const char *kind() const override { return "MoreDerived"; } };

static int level3(int mode) {
    switch (mode) {
    case 0: throw 42;
    case 1: throw 3.5;
    case 2: throw "c-string";
    case 3: throw std::string("std::string payload");
    case 4: throw Derived(7);
    case 5: throw MoreDerived(9, "extra");
    case 6: throw std::runtime_error("runtime failure");
    case 7: throw 'x';
    default: return mode * 2;
    }
}
static int level2(int mode) { return level3(mode) + 1; }
static int level1(int mode) { int r = level2(mode); return r + 1; }

int main() {
    int caught = 0;
    for (int mode = 0; mode <= 8; ++mode) {
        try {
            int r = level1(mode);
            std::printf("mode %d: returned %d\n", mode, r);
        } catch (int v) {
            std::printf("mode %d: caught int %d\n", mode, v); ++caught;
        } catch (double d) {
            std::printf("mode %d: caught double %.2f\n", mode, d); ++caught;
        } catch (const char *s) {
            std::printf("mode %d: caught const char* %s\n", mode, s); ++caught;
        } catch (const std::string &s) {
            std::printf("mode %d: caught std::string %s\n", mode, s.c_str()); ++caught;
        } catch (const Base &b) {
            std::printf("mode %d: caught Base& of dynamic kind %s code %d\n", mode, b.kind(), b.code); ++caught;
        } catch (const std::exception &e) {
            std::printf("mode %d: caught std::exception: %s\n", mode, e.what()); ++caught;
        } catch (...) {
            std::printf("mode %d: caught something else\n", mode); ++caught;
        }
    }
    // catch by value slices
    try { throw MoreDerived(11, "sliced"); } catch (Base b) { std::printf("by value: %s %d\n", b.kind(), b.code); }
    // pointer exceptions
    static Derived sd(5);
    try { throw &sd; } catch (Base *p) { std::printf("caught Base* -> %s %d\n", p->kind(), p->code); }
    std::printf("caught %d exceptions\n", caught);
    return caught;
}
