#include <cstdio>
#include <typeinfo>
#include <vector>
#include <string>
#include <map>

struct Animal { virtual ~Animal() {} virtual const char *sound() const { return "..."; } };
struct Dog : Animal { const char *sound() const override { return "woof"; } };
struct Puppy : Dog { const char *sound() const override { return "yip"; } };
struct Cat : Animal { const char *sound() const override { return "meow"; } };
struct Left { virtual ~Left() {} int l = 1; };
struct Right { virtual ~Right() {} int r = 2; };
struct Both : Left, Right { int b = 3; };
namespace ns { template <typename T> struct Box { T v; }; enum class Color { Red }; }

int main() {
    std::vector<Animal *> zoo = {new Dog, new Cat, new Puppy, new Animal};
    for (Animal *a : zoo) {
        Dog *d = dynamic_cast<Dog *>(a);
        Cat *c = dynamic_cast<Cat *>(a);
        std::printf("%-8s %-5s dog=%d cat=%d puppy=%d\n", typeid(*a).name(), a->sound(), d != nullptr, c != nullptr,
                    dynamic_cast<Puppy *>(a) != nullptr);
    }
    Animal &first = *zoo[0], &third = *zoo[2];
    std::printf("typeid equality: %d %d\n", typeid(first) == typeid(Dog), typeid(third) == typeid(Dog));
    // cross cast in multiple inheritance
    Both b;
    Left *lp = &b;
    Right *rp = dynamic_cast<Right *>(lp);
    std::printf("cross cast ok=%d r=%d, back to Both b=%d\n", rp != nullptr, rp ? rp->r : -1,
                dynamic_cast<Both *>(rp)->b);
    void *top = dynamic_cast<void *>(rp);
    std::printf("dynamic_cast<void*> gives most derived: %d\n", top == static_cast<void *>(&b));
    // names of various types (mangled, but deterministic)
    std::printf("%s %s %s %s %s\n", typeid(int).name(), typeid(double).name(), typeid(const char *).name(),
                typeid(unsigned long long).name(), typeid(int[3]).name());
    std::printf("%s %s %s\n", typeid(ns::Box<int>).name(), typeid(ns::Color).name(), typeid(std::string).name());
    std::printf("%s %s\n", typeid(std::map<int, double>).name(), typeid(&Animal::sound).name());
    std::printf("%s\n", typeid(Both).name());
    // type_info::before gives a consistent order
    std::map<std::string, int> seen;
    for (Animal *a : zoo) seen[typeid(*a).name()]++;
    for (auto &kv : seen) std::printf("%s x%d\n", kv.first.c_str(), kv.second);
    int dogs = 0;
    for (Animal *a : zoo) { if (dynamic_cast<Dog *>(a)) ++dogs; delete a; }
    return dogs;
}
