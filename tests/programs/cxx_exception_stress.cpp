#include <cstdio>
#include <stdexcept>
#include <string>

// Many throws through several frames: exercises the unwinder and EH frame registration.
struct Counted {
    static long alive, destroyed;
    Counted() { ++alive; }
    ~Counted() { --alive; ++destroyed; }
};
long Counted::alive, Counted::destroyed;

static int depth_throw(int depth, int code) {
    Counted c;
    if (depth == 0) {
        if (code % 3 == 0) throw std::runtime_error("rt");
        if (code % 3 == 1) throw code;
        throw std::string("str");
    }
    return depth_throw(depth - 1, code) + 1;
}

int main() {
    long rt = 0, ints = 0, strs = 0, sum = 0;
    for (int i = 0; i < 10000; ++i) {
        try {
            depth_throw(i % 8, i);
        } catch (const std::runtime_error &) {
            ++rt;
        } catch (int v) {
            ++ints;
            sum += v;
        } catch (const std::string &s) {
            strs += static_cast<long>(s.size());
        }
    }
    std::printf("runtime_errors=%ld ints=%ld (sum %ld) string chars=%ld\n", rt, ints, sum, strs);
    std::printf("alive=%ld destroyed=%ld\n", Counted::alive, Counted::destroyed);
    return static_cast<int>(Counted::alive);
}
