#include <cstdio>
#include <stdexcept>
#include <vector>
#include <string>
#include <map>
#include <typeinfo>
#include <new>
#include <memory>

class AppError : public std::runtime_error {
public:
    AppError(const std::string &msg, int code) : std::runtime_error(msg), code_(code) {}
    int code() const { return code_; }
private:
    int code_;
};
class NetError : public AppError {
public:
    explicit NetError(int port) : AppError("network unreachable on port " + std::to_string(port), 500 + port % 100) {}
};
class CustomWhat : public std::exception {
public:
    const char *what() const noexcept override { return "custom what() text"; }
};

struct Poly { virtual ~Poly() {} };
struct Other : Poly {};

int main() {
    int handled = 0;
    auto report = [&](const char *label, const std::exception &e) {
        std::printf("%-14s: %s\n", label, e.what());
        ++handled;
    };
    std::vector<int> v(3);
    try { v.at(10) = 1; } catch (const std::out_of_range &e) { report("out_of_range", e); }
    try { std::stoi("not-a-number"); } catch (const std::invalid_argument &e) { report("invalid_arg", e); }
    try { std::stol("99999999999999999999999"); } catch (const std::out_of_range &e) { report("stol range", e); }
    try { std::string("abc").substr(10); } catch (const std::out_of_range &e) { report("substr", e); }
    std::map<std::string, int> m;
    try { m.at("missing"); } catch (const std::out_of_range &e) { report("map::at", e); }
    Poly p;
    try { (void)dynamic_cast<Other &>(p); } catch (const std::bad_cast &e) { report("bad_cast", e); }
    try { throw NetError(8080); } catch (const AppError &e) { std::printf("AppError code=%d what=%s\n", e.code(), e.what()); ++handled; }
    try { throw CustomWhat(); } catch (const std::exception &e) { report("custom", e); }
    try { throw std::logic_error("plain logic_error"); } catch (const std::exception &e) { report("logic_error", e); }
    try {
        std::vector<int> huge;
        huge.reserve(huge.max_size() + 1);
    } catch (const std::length_error &e) { std::printf("%-14s: caught\n", "length_error"); ++handled; }
    try {
        std::weak_ptr<int> w;
        std::shared_ptr<int> s(w);
    } catch (const std::bad_weak_ptr &e) { report("bad_weak_ptr", e); }
    try {
        Poly *np = nullptr;
        (void)typeid(*np);
    } catch (const std::bad_typeid &e) { std::printf("%-14s: caught\n", "bad_typeid"); ++handled; }
    std::printf("handled %d standard exceptions\n", handled);
    return handled;
}
