#include <cstdio>
#include <string>

struct Base {
    int value;
    explicit Base(int v) : value(v) { std::printf("Base(%d)\n", v); }
    virtual ~Base() { std::printf("~Base\n"); }
    virtual std::string who() const { return "Base"; }
    virtual Base *clone() const { return new Base(*this); }
};
struct Left : virtual Base {
    Left() : Base(-1) { std::printf("Left\n"); }
    ~Left() override { std::printf("~Left\n"); }
    std::string who() const override { return "Left<" + Base::who() + ">"; }
    virtual int left_only() const { return value * 2; }
};
struct Right : virtual Base {
    Right() : Base(-2) { std::printf("Right\n"); }
    ~Right() override { std::printf("~Right\n"); }
    virtual int right_only() const { return value + 100; }
};
struct Diamond final : Left, Right {
    Diamond() : Base(7) { std::printf("Diamond\n"); }
    ~Diamond() override { std::printf("~Diamond\n"); }
    std::string who() const override { return "Diamond{" + Left::who() + "}"; }
    Diamond *clone() const override { return new Diamond(*this); }   // covariant return
    Diamond(const Diamond &o) : Base(o.value + 1000), Left(o), Right(o) { std::printf("Diamond copy\n"); }
};

// non-virtual diamond: two separate Base subobjects
struct A { int a = 1; virtual ~A() {} virtual int id() const { return 1; } };
struct B1 : A { int id() const override { return 10 + a; } };
struct B2 : A { int id() const override { return 20 + a; } };
struct Dup : B1, B2 {};

// protected/private inheritance and using-declarations
class Counter {
protected:
    int n = 0;
public:
    void inc() { ++n; }
    int get() const { return n; }
};
class Limited : private Counter {
public:
    using Counter::get;
    void inc_to(int k) { while (n < k) inc(); }
};

int main() {
    {
        Diamond d;
        Base &b = d;
        Left &l = d;
        Right &r = d;
        std::printf("value=%d who=%s left_only=%d right_only=%d\n", b.value, b.who().c_str(), l.left_only(), r.right_only());
        std::printf("same base subobject: %d\n", static_cast<Base *>(&l) == static_cast<Base *>(&r));
        Base *c = b.clone();
        std::printf("clone who=%s value=%d\n", c->who().c_str(), c->value);
        Diamond *dc = d.clone();
        std::printf("covariant clone value=%d\n", dc->value);
        delete dc;
        delete c;
    }
    Dup dup;
    dup.B1::a = 5;
    dup.B2::a = 6;
    B1 &b1 = dup;
    B2 &b2 = dup;
    std::printf("dup ids: %d %d, subobjects differ: %d\n", b1.id(), b2.id(),
                static_cast<A *>(&b1) != static_cast<A *>(&b2));
    Limited lim;
    lim.inc_to(12);
    std::printf("limited=%d sizeof(Diamond)>sizeof(Base): %d\n", lim.get(), sizeof(Diamond) > sizeof(Base));
    return lim.get();
}
