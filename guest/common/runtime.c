/*
 * The bare-metal runtime (see runtime.h). Output is polled: write THR when LSR.THRE is set.
 * exit(0) writes FINISHER_PASS; exit(n) writes (n << 16) | FINISHER_FAIL so the emulator's
 * process exits with status n, on QEMU and on Ferry alike.
 */
#include "runtime.h"

#define UART_BASE 0x10000000UL
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define FINISHER_BASE 0x100000UL
#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333

void putchar_uart(char c) {
  volatile unsigned char *uart = (volatile unsigned char *)UART_BASE;
  while ((uart[UART_LSR] & UART_LSR_THRE) == 0)
    ;
  uart[UART_THR] = (unsigned char)c;
}

void puts_uart(const char *s) {
  while (*s)
    putchar_uart(*s++);
}

void print_hex(uint64_t v) {
  puts_uart("0x");
  for (int i = 60; i >= 0; i -= 4)
    putchar_uart("0123456789abcdef"[(v >> i) & 0xf]);
}

/* Divide by ten without a libgcc helper: RV32 has no 64-bit divide instruction. */
static uint64_t div10(uint64_t v, unsigned *rem) {
  uint64_t q = 0, r = 0;
  for (int i = 63; i >= 0; i--) {
    r = (r << 1) | ((v >> i) & 1);
    if (r >= 10) {
      r -= 10;
      q |= 1ULL << i;
    }
  }
  *rem = (unsigned)r;
  return q;
}

void print_dec(uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    unsigned digit;
    v = div10(v, &digit);
    buf[n++] = (char)('0' + digit);
  } while (v != 0);
  while (n > 0)
    putchar_uart(buf[--n]);
}

void exit(int status) {
  volatile uint32_t *finisher = (volatile uint32_t *)FINISHER_BASE;
  *finisher = status == 0 ? FINISHER_PASS : (((uint32_t)status << 16) | FINISHER_FAIL);
  for (;;)
    __asm__ volatile("wfi");
}

uint64_t read_mtime(void) {
#if __riscv_xlen == 64
  return *(volatile uint64_t *)CLINT_MTIME;
#else
  volatile uint32_t *mtime = (volatile uint32_t *)CLINT_MTIME;
  uint32_t hi, lo;
  do {
    hi = mtime[1];
    lo = mtime[0];
  } while (hi != mtime[1]);
  return ((uint64_t)hi << 32) | lo;
#endif
}

void report_unexpected_trap(uintptr_t cause, uintptr_t epc, uintptr_t tval) {
  puts_uart("unexpected trap: mcause=");
  print_hex(cause);
  puts_uart(" mepc=");
  print_hex(epc);
  puts_uart(" mtval=");
  print_hex(tval);
  puts_uart("\n");
}

/* The compiler may emit calls to these even in freestanding code. */
void *memset(void *dst, int c, unsigned long n) {
  unsigned char *d = dst;
  while (n--)
    *d++ = (unsigned char)c;
  return dst;
}

void *memcpy(void *dst, const void *src, unsigned long n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--)
    *d++ = *s++;
  return dst;
}

void report_case_failure(uintptr_t n) {
  puts_uart("FAIL case ");
  print_dec(n);
  puts_uart("\n");
}
