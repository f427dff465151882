#include <cstdio>
#include <cstdlib>
#include <string>

struct Tracer {
    std::string name;
    explicit Tracer(const char *n) : name(n) { std::printf("construct %s\n", name.c_str()); }
    ~Tracer() { std::printf("destroy %s\n", name.c_str()); }
};

Tracer global_a("global_a");
static Tracer global_b("global_b");
namespace inner { Tracer global_c("inner::global_c"); }

static int computed_at_startup() { std::printf("dynamic initializer runs\n"); return 1234; }
int dynamic_init_value = computed_at_startup();

struct Registry {
    int count = 0;
    Registry() { std::printf("Registry constructed\n"); }
    ~Registry() { std::printf("Registry destroyed with count=%d\n", count); }
};
static Registry &registry() {
    static Registry r;  // function-local static, constructed on first use
    return r;
}

static Tracer &lazy() {
    static Tracer t("function-local lazy");
    return t;
}

struct AutoRegister { explicit AutoRegister(int n) { registry().count += n; std::printf("AutoRegister %d\n", n); } };
static AutoRegister reg1(5);

static void at_exit_handler() { std::printf("atexit handler (registered in main)\n"); }

int main() {
    std::printf("main begins, dynamic_init_value=%d registry count=%d\n", dynamic_init_value, registry().count);
    std::atexit(at_exit_handler);
    lazy();
    lazy();
    for (int i = 0; i < 3; ++i) {
        static Tracer loop_static("loop-static");
        Tracer local("loop-local");
    }
    registry().count += 10;
    std::printf("main ends\n");
    return registry().count;
}
