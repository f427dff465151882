#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>
#include <string>

static int copies, moves, constructs, destructs;

class Buffer {
    char *data_;
    std::size_t size_;
public:
    explicit Buffer(const char *s) : data_(new char[std::strlen(s) + 1]), size_(std::strlen(s)) {
        std::memcpy(data_, s, size_ + 1); ++constructs;
    }
    Buffer(const Buffer &o) : data_(new char[o.size_ + 1]), size_(o.size_) { std::memcpy(data_, o.data_, size_ + 1); ++copies; }
    Buffer(Buffer &&o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr; o.size_ = 0; ++moves; }
    Buffer &operator=(const Buffer &o) {
        if (this != &o) { Buffer tmp(o); swap(tmp); }
        return *this;
    }
    Buffer &operator=(Buffer &&o) noexcept {
        if (this != &o) { delete[] data_; data_ = o.data_; size_ = o.size_; o.data_ = nullptr; o.size_ = 0; ++moves; }
        return *this;
    }
    ~Buffer() { delete[] data_; ++destructs; }
    void swap(Buffer &o) noexcept { std::swap(data_, o.data_); std::swap(size_, o.size_); }
    const char *c_str() const { return data_ ? data_ : "(moved-from)"; }
    std::size_t size() const { return size_; }
};

static Buffer make(const char *s) { Buffer b(s); return b; }           // NRVO or move
static Buffer pass_through(Buffer b) { return b; }                        // move on return
static void sink(Buffer &&b) { Buffer local(std::move(b)); std::printf("  sink took %s\n", local.c_str()); }

template <typename T> static const char *kind(T &&) { return std::is_lvalue_reference<T>::value ? "lvalue" : "rvalue"; }
template <typename T> static const char *forwarder(T &&x) { return kind(std::forward<T>(x)); }

static void report(const char *label) {
    std::printf("%-22s copies=%d moves=%d constructs=%d destructs=%d\n", label, copies, moves, constructs, destructs);
}

int main() {
    Buffer a("alpha");
    Buffer b = a;
    report("copy construct");
    Buffer c = std::move(a);
    std::printf("  a=%s c=%s\n", a.c_str(), c.c_str());
    report("move construct");
    Buffer d = make("delta");
    report("factory");
    Buffer e = pass_through(Buffer("echo"));
    report("pass_through");
    b = c;
    report("copy assign");
    b = Buffer("bravo");
    report("move assign temp");
    sink(std::move(d));
    std::printf("  d after sink=%s\n", d.c_str());
    std::vector<Buffer> v;
    v.reserve(2);
    v.push_back(Buffer("v0"));
    v.emplace_back("v1");
    v.push_back(e);
    report("vector ops");
    std::printf("  vector: %s %s %s\n", v[0].c_str(), v[1].c_str(), v[2].c_str());
    int x = 1;
    std::printf("forwarding: %s %s %s\n", forwarder(x), forwarder(2), forwarder(std::move(x)));
    std::string s1 = "a long string that certainly exceeds the small string buffer";
    std::string s2 = std::move(s1);
    std::printf("string moved: s1.size=%zu s2.size=%zu\n", s1.size(), s2.size());
    std::pair<Buffer, int> pr(Buffer("pair"), 3);
    auto pr2 = std::move(pr);
    std::printf("pair moved: %s %s\n", pr.first.c_str(), pr2.first.c_str());
    report("end of main");
    return moves;
}
