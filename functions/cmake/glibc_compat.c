/* Linked into every release executable (the Lambda artifacts). Debian 12's static libstdc++ and
 * libgcc_eh were built against glibc 2.36 and reference two symbols Amazon Linux 2023's glibc 2.34
 * lacks: arc4random (std::random_device) and _dl_find_object (the C++ unwinder). Defining them
 * here resolves those references inside the executable, so the binary needs glibc <= 2.34
 * (scripts/check-artifacts.sh proves it). Both are implemented with interfaces glibc 2.34 has. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

uint32_t arc4random(void) {
  uint32_t value = 0;
  for (;;) {
    ssize_t n = getrandom(&value, sizeof value, 0);
    if (n == (ssize_t)sizeof value) return value;
    if (n < 0 && errno != EINTR) abort(); /* no entropy source at all: nothing safe to return */
  }
}

struct find_state {
  uintptr_t pc;
  struct dl_find_object *result;
  int found;
};

static int find_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct find_state *state = data;
  uintptr_t lo = UINTPTR_MAX;
  uintptr_t hi = 0;
  const void *eh_frame = NULL;
  int contains = 0;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD) {
      uintptr_t end = start + ph->p_memsz;
      if (start < lo) lo = start;
      if (end > hi) hi = end;
      if (state->pc >= start && state->pc < end) contains = 1;
    } else if (ph->p_type == PT_GNU_EH_FRAME) {
      eh_frame = (const void *)start;
    }
  }
  if (!contains) return 0;
  memset(state->result, 0, sizeof *state->result);
  state->result->dlfo_map_start = (void *)lo;
  state->result->dlfo_map_end = (void *)hi;
  state->result->dlfo_eh_frame = (void *)eh_frame;
  state->found = 1;
  return 1;
}

int _dl_find_object(void *pc, struct dl_find_object *result) {
  struct find_state state = {(uintptr_t)pc, result, 0};
  dl_iterate_phdr(find_object, &state);
  return state.found ? 0 : -1;
}
