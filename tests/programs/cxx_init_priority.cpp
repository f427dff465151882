#include <cstdio>
#include <cstdlib>

// init_priority controls construction order across (and within) translation units;
// destruction happens in reverse order of construction.
struct Announcer {
    const char *name;
    explicit Announcer(const char *n) : name(n) { std::printf("construct %s\n", name); }
    ~Announcer() { std::printf("destroy %s\n", name); }
};

Announcer late_default("default-priority (first in source)");
Announcer p300 __attribute__((init_priority(300)))("priority 300");
Announcer p101 __attribute__((init_priority(101)))("priority 101");
Announcer p200 __attribute__((init_priority(200)))("priority 200");
Announcer another_default("default-priority (second in source)");

__attribute__((constructor(150))) static void c_style_ctor() { std::printf("C-style constructor(150)\n"); }
__attribute__((destructor(150))) static void c_style_dtor() { std::printf("C-style destructor(150)\n"); }

static void bye() { std::printf("atexit from main\n"); }

int main() {
    std::printf("main\n");
    std::atexit(bye);
    static Announcer local_static("function-local static");
    return 0;
}
