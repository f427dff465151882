/* The x86 CPU model that `__builtin_cpu_supports`/`__builtin_cpu_is` read. It lives in the static
 * libgcc (`__cpu_model`, `__cpu_features2`), which no shared library exports, so the runtime links
 * libgcc's copy into irjit and hands its contents to the code heap. The layout is libgcc's, which
 * clang-compiled code uses natively too. */
#include <string.h>

extern struct {
  unsigned int vendor, type, subtype, features[1];
} __cpu_model;
extern unsigned int __cpu_features2[3];

void irjit_host_cpu_model(unsigned char model[16], unsigned char features2[12]) {
  __builtin_cpu_init();
  memcpy(model, &__cpu_model, 16);
  memcpy(features2, __cpu_features2, 12);
}
