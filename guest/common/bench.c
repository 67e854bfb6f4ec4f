/* The CPU benchmarks' shared helpers (bench.h). */
#include "bench.h"

uint64_t read_instret(void) {
#if __riscv_xlen == 64
  uint64_t v;
  __asm__ volatile("csrr %0, minstret" : "=r"(v));
  return v;
#else
  uint32_t hi, lo, hi2;
  do {
    __asm__ volatile("csrr %0, minstreth" : "=r"(hi));
    __asm__ volatile("csrr %0, minstret" : "=r"(lo));
    __asm__ volatile("csrr %0, minstreth" : "=r"(hi2));
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
#endif
}

void bench_report(const char *name, uint64_t ticks, uint64_t instret, uint64_t checksum, int ok) {
  puts_uart("bench ");
  puts_uart(name);
  if (!ok)
    puts_uart(" FAIL");
  puts_uart(" ticks=");
  print_dec(ticks);
  puts_uart(" instret=");
  print_dec(instret);
  puts_uart(" checksum=");
  print_hex(checksum);
  puts_uart("\n");
}
