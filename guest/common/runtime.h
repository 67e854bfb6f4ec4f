/* The bare-metal runtime: console output on the ns16550a UART and exit through the SiFive
 * test finisher, the two devices QEMU's virt board and Ferry's bare machine share. */
#ifndef RUNTIME_H
#define RUNTIME_H

typedef unsigned long uintptr_t;
typedef unsigned long long uint64_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef long long int64_t;

void putchar_uart(char c);
void puts_uart(const char *s);          /* no newline added */
void print_hex(uint64_t v);             /* 0x followed by 16 hex digits */
void print_dec(uint64_t v);
void exit(int status) __attribute__((noreturn));
uint64_t read_mtime(void);              /* CLINT mtime, 10 MHz */

#define CLINT_BASE 0x2000000UL
#define CLINT_MSIP(h) (CLINT_BASE + 4 * (h))
#define CLINT_MTIMECMP(h) (CLINT_BASE + 0x4000 + 8 * (h))
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

#endif
