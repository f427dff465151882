#include <cstdio>
#include <memory>
#include <vector>
#include <string>
#include <map>

struct Res {
    std::string name;
    explicit Res(std::string n) : name(std::move(n)) { std::printf("  Res(%s)\n", name.c_str()); }
    ~Res() { std::printf("  ~Res(%s)\n", name.c_str()); }
};

struct Node {
    int value;
    std::shared_ptr<Node> next;
    std::weak_ptr<Node> prev;
    explicit Node(int v) : value(v) {}
    ~Node() { std::printf("  ~Node(%d)\n", value); }
};

struct Tracked : std::enable_shared_from_this<Tracked> {
    int id;
    explicit Tracked(int i) : id(i) {}
    std::shared_ptr<Tracked> self() { return shared_from_this(); }
};

static std::unique_ptr<Res> make_res(const char *n) { return std::make_unique<Res>(n); }
static void consume(std::unique_ptr<Res> r) { std::printf("  consuming %s\n", r->name.c_str()); }

int main() {
    std::printf("unique_ptr:\n");
    {
        auto a = make_res("a");
        auto b = std::move(a);
        std::printf("  a is %s, b is %s\n", a ? "set" : "null", b->name.c_str());
        consume(std::move(b));
        std::printf("  after consume\n");
        std::unique_ptr<int[]> arr(new int[4]());
        arr[2] = 5;
        std::printf("  array unique_ptr: %d %d\n", arr[0], arr[2]);
        auto c = make_res("c");
        c.reset(new Res("c2"));
        Res *raw = c.release();
        std::printf("  released %s\n", raw->name.c_str());
        delete raw;
    }
    std::printf("shared_ptr:\n");
    {
        std::shared_ptr<Res> s1 = std::make_shared<Res>("shared");
        std::printf("  use_count=%ld\n", s1.use_count());
        {
            auto s2 = s1;
            std::vector<std::shared_ptr<Res>> v(3, s1);
            std::printf("  use_count=%ld\n", s1.use_count());
        }
        std::printf("  use_count=%ld\n", s1.use_count());
        std::weak_ptr<Res> w = s1;
        std::printf("  weak expired=%d lock=%s\n", w.expired(), w.lock()->name.c_str());
        s1.reset();
        std::printf("  after reset weak expired=%d\n", w.expired());
    }
    std::printf("linked nodes:\n");
    {
        auto head = std::make_shared<Node>(1);
        auto cur = head;
        for (int i = 2; i <= 4; ++i) {
            auto n = std::make_shared<Node>(i);
            n->prev = cur;
            cur->next = n;
            cur = n;
        }
        int sum = 0;
        for (auto p = head; p; p = p->next) sum += p->value;
        auto back = cur->prev.lock();
        std::printf("  sum=%d tail=%d prev-of-tail=%d\n", sum, cur->value, back ? back->value : -1);
    }
    std::printf("custom deleter:\n");
    {
        int deleted = 0;
        {
            std::shared_ptr<int> p(new int(5), [&deleted](int *x) { deleted = *x; delete x; });
            std::unique_ptr<FILE, int (*)(FILE *)> f(tmpfile(), fclose);
            std::fputs("data", f.get());
        }
        std::printf("  deleter saw %d\n", deleted);
    }
    std::printf("enable_shared_from_this:\n");
    auto t = std::make_shared<Tracked>(9);
    auto t2 = t->self();
    std::printf("  id=%d use_count=%ld\n", t2->id, t.use_count());
    std::map<std::string, std::unique_ptr<Res>> registry;
    registry["x"] = make_res("in-map-x");
    registry["y"] = make_res("in-map-y");
    registry.erase("x");
    std::printf("end of main, use_count=%ld\n", t.use_count());
    return static_cast<int>(t.use_count());
}
