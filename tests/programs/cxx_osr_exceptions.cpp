// OSR case: exceptions through hot loops. caught_inside() has a try/catch in its loop body and the
// callee throws every ~50k iterations; in escaping() the throw leaves the looping function and is
// caught by its caller, which restarts it. RAII objects live across the loops (and one is created
// per iteration); their counters are printed at the end.
#include <cstdio>
#include <stdexcept>
#include <string>

struct Oops {
    int at;
    unsigned long value;
};

struct Tracker {
    static long made, destroyed;
    const char *name;
    long ticks = 0;
    explicit Tracker(const char *n) : name(n) { made++; }
    ~Tracker() {
        destroyed++;
        if (ticks) std::printf("~Tracker(%s) ticks=%ld\n", name, ticks);
    }
};
long Tracker::made, Tracker::destroyed;

struct Scoped { /* one per loop iteration */
    static long live, peak;
    Scoped() { if (++live > peak) peak = live; }
    ~Scoped() { live--; }
};
long Scoped::live, Scoped::peak;

static long g_calls;

[[gnu::noinline]] static unsigned long step(unsigned long v, int i) {
    if (++g_calls % 50000 == 0) {
        if ((g_calls / 50000) % 3 == 0) throw std::runtime_error("rt" + std::to_string(i % 1000));
        throw Oops{i, v};
    }
    return (v ^ (v >> 29)) * 0xbf58476d1ce4e5b9ul + (unsigned long)i;
}

static unsigned long caught_inside(int n) {
    Tracker guard("inside");
    unsigned long acc = 0x1234;
    int caught = 0, rt = 0;
    double d = 0.5;
    std::size_t msg_len = 0;
    for (int i = 0; i < n; i++) {
        Scoped s;
        try {
            acc = step(acc, i);
        } catch (const Oops &e) {
            caught++;
            acc ^= e.value + (unsigned long)e.at;
            d = d + 1.0 / caught;
        } catch (const std::exception &e) {
            rt++;
            msg_len += std::string(e.what()).size();
        }
        guard.ticks += (long)(acc & 1);
    }
    std::printf("inside: acc=%lu caught=%d rt=%d d=%.6f msg_len=%zu\n", acc, caught, rt, d,
                msg_len);
    return acc;
}

static unsigned long escaping(int start, int n, Tracker &outer) {
    Tracker local("escaping");
    unsigned long acc = (unsigned long)start * 31;
    for (int i = start; i < n; i++) {
        Scoped s;
        acc = step(acc, i);
        local.ticks++;
        outer.ticks += (long)(acc >> 63);
    }
    return acc;
}

int main() {
    unsigned long a = caught_inside(8000000);
    Tracker outer("outer");
    unsigned long total = 0;
    int restarts = 0, start = 0;
    for (int round = 0; round < 50; round++) {
        try {
            total += escaping(start, start + 20000 + (round * 37 % 9) * 12000, outer);
            std::printf("round %d finished start=%d\n", round, start);
        } catch (const Oops &e) {
            restarts++;
            start = e.at % 1000 + round;
            total = total * 3 + e.value;
            std::printf("round %d Oops at=%d value=%lu\n", round, e.at, e.value);
        } catch (const std::runtime_error &e) {
            restarts++;
            start += 17;
            std::printf("round %d runtime_error %s\n", round, e.what());
        }
    }
    std::printf("a=%lu total=%lu restarts=%d calls=%ld\n", a, total, restarts, g_calls);
    std::printf("trackers made=%ld destroyed=%ld scoped live=%ld peak=%ld\n", Tracker::made,
                Tracker::destroyed, Scoped::live, Scoped::peak);
    return 0;
}
