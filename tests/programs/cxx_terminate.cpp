#include <cstdio>
#include <stdexcept>
#include <iostream>

struct Noisy {
    ~Noisy() { std::printf("destructor of local (may not run when terminating)\n"); }
};

static void fail() {
    throw std::runtime_error("nobody catches this");
}

int main() {
    std::printf("before the uncaught throw\n");
    std::cout << "iostream text before terminate" << std::endl;
    std::fflush(stdout);
    Noisy n;
    fail();
    std::printf("not reached\n");
    return 0;
}
