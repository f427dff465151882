#include <cstdio>
#include <vector>
#include <memory>
#include <cmath>

struct Shape {
    virtual ~Shape() { std::printf("~Shape\n"); }
    virtual double area() const = 0;
    virtual const char *name() const = 0;
    virtual double scale(double k) { return area() * k * k; }
    void describe() const { std::printf("%-9s area=%8.3f\n", name(), area()); }
};
struct Circle : Shape {
    double r;
    explicit Circle(double r_) : r(r_) {}
    ~Circle() override { std::printf("~Circle(%.1f)\n", r); }
    double area() const override { return 3.141592653589793 * r * r; }
    const char *name() const override { return "circle"; }
};
struct Rect : Shape {
    double w, h;
    Rect(double w_, double h_) : w(w_), h(h_) {}
    ~Rect() override { std::printf("~Rect\n"); }
    double area() const override { return w * h; }
    const char *name() const override { return "rect"; }
};
struct Square final : Rect {
    explicit Square(double s) : Rect(s, s) {}
    ~Square() override { std::printf("~Square\n"); }
    const char *name() const override { return "square"; }
    double scale(double k) override { return Rect::scale(k) + 0.5; }
};

// multiple inheritance
struct Printable { virtual ~Printable() {} virtual void print() const = 0; int pid = 1; };
struct Serializable { virtual ~Serializable() {} virtual int serialize(char *buf) const = 0; int sid = 2; };
struct Record : Printable, Serializable {
    int id; const char *label;
    Record(int i, const char *l) : id(i), label(l) {}
    void print() const override { std::printf("Record{%d,%s} pid=%d sid=%d\n", id, label, pid, sid); }
    int serialize(char *buf) const override { return std::sprintf(buf, "%d:%s", id, label); }
};

static void use_printable(const Printable &p) { p.print(); }
static int use_serializable(const Serializable &s) { char buf[64]; int n = s.serialize(buf); std::printf("serialized '%s'\n", buf); return n; }

// virtual call from constructor / destructor uses the current class
struct Logger {
    Logger() { who(); }
    virtual ~Logger() { who(); }
    virtual void who() const { std::printf("Logger::who\n"); }
};
struct FileLogger : Logger {
    FileLogger() { who(); }
    ~FileLogger() override { who(); }
    void who() const override { std::printf("FileLogger::who\n"); }
};

int main() {
    std::vector<std::unique_ptr<Shape>> shapes;
    shapes.emplace_back(new Circle(1.5));
    shapes.emplace_back(new Rect(2, 3.5));
    shapes.emplace_back(new Square(4));
    double total = 0;
    for (auto &s : shapes) { s->describe(); total += s->scale(2); }
    std::printf("total scaled=%.3f\n", total);
    Record r(7, "seven");
    use_printable(r);
    int n = use_serializable(r);
    Serializable *sp = &r;
    Printable *pp = &r;
    std::printf("casts back equal: %d %d\n", static_cast<Record *>(sp) == &r, static_cast<Record *>(pp) == &r);
    {
        FileLogger fl;
    }
    // member function pointers, including virtual
    double (Shape::*mfp)() const = &Shape::area;
    std::printf("via member pointer: %.3f\n", (shapes[1].get()->*mfp)());
    const char *(Shape::*np)() const = &Shape::name;
    std::printf("virtual via member pointer: %s\n", (shapes[2].get()->*np)());
    shapes.clear();
    return n;
}
