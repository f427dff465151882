#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

static int depth_counter;

static void thrower(int n) {
    if (n == 0) throw std::out_of_range("bottom reached");
    thrower(n - 1);
}

static void rethrower() {
    try {
        thrower(5);
    } catch (std::out_of_range &e) {
        std::printf("rethrower saw: %s\n", e.what());
        ++depth_counter;
        throw;  // rethrow the same object
    }
}

static void translator() {
    try {
        rethrower();
    } catch (const std::logic_error &e) {
        std::printf("translator saw logic_error: %s\n", e.what());
        ++depth_counter;
        throw std::runtime_error(std::string("translated: ") + e.what());
    }
}

static void nester() {
    try {
        translator();
    } catch (...) {
        std::throw_with_nested(std::invalid_argument("outer context"));
    }
}

static void print_nested(const std::exception &e, int level) {
    std::printf("%*s- %s\n", level * 2, "", e.what());
    try {
        std::rethrow_if_nested(e);
    } catch (const std::exception &inner) {
        print_nested(inner, level + 1);
    }
}

int main() {
    try {
        nester();
    } catch (const std::exception &e) {
        print_nested(e, 0);
    }
    // exception_ptr round trip
    std::exception_ptr saved;
    try {
        throw std::length_error("saved for later");
    } catch (...) {
        saved = std::current_exception();
    }
    try {
        std::rethrow_exception(saved);
    } catch (const std::length_error &e) {
        std::printf("rethrown from exception_ptr: %s\n", e.what());
    }
    // try/catch inside catch handler
    try {
        throw 1;
    } catch (int a) {
        try {
            throw a + 1;
        } catch (int b) {
            std::printf("nested handlers: %d %d\n", a, b);
        }
        std::printf("uncaught_exceptions inside handler: %d\n", std::uncaught_exceptions());
    }
    // exceptions in a loop with rethrow from catch(...)
    int count = 0;
    for (int i = 0; i < 100; ++i) {
        try {
            try {
                if (i % 3 == 0) throw i;
                if (i % 3 == 1) throw std::to_string(i);
            } catch (...) {
                ++count;
                throw;
            }
        } catch (int) {
            count += 10;
        } catch (const std::string &) {
            count += 100;
        }
    }
    std::printf("loop count=%d depth_counter=%d\n", count, depth_counter);
    return depth_counter;
}
