/* The x86 CPU model that `__builtin_cpu_supports`/`__builtin_cpu_is` read: libgcc's `__cpu_model`
 * (16 bytes) and `__cpu_features2` (12 bytes), whose layout clang-compiled code uses natively too.
 * The runtime copies them into the code heap when a program first refers to them.
 *
 * With IRJIT_PRIVATE_CPUINFO (see build.rs), the model comes from a private copy of static
 * libgcc's `cpuinfo.o` with its constructor removed, run here on first use; otherwise from
 * libgcc's own object, whose constructor filled it at start-up. */
#include <string.h>

struct cpu_model {
  unsigned int vendor, type, subtype, features[1];
};

#ifdef IRJIT_PRIVATE_CPUINFO
extern struct cpu_model irjit_libgcc_cpu_model;
extern unsigned int irjit_libgcc_cpu_features2[3];
extern int irjit_libgcc_cpu_indicator_init(void);
#define MODEL irjit_libgcc_cpu_model
#define FEATURES2 irjit_libgcc_cpu_features2
#define INIT() irjit_libgcc_cpu_indicator_init()
#else
extern struct cpu_model __cpu_model;
extern unsigned int __cpu_features2[3];
#define MODEL __cpu_model
#define FEATURES2 __cpu_features2
#define INIT() __builtin_cpu_init()
#endif

void irjit_host_cpu_model(unsigned char model[16], unsigned char features2[12]) {
  INIT();
  memcpy(model, &MODEL, 16);
  memcpy(features2, FEATURES2, 12);
}
