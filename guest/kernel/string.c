/*
 * The few C library routines the kernel needs. The compiler may also call memset and
 * memcpy on its own for structure copies, so they must exist with these names. udiv64
 * divides 64-bit values without libgcc (RV32 has no 64-bit divide instruction).
 */
#include "types.h"
#include "defs.h"

void *memset(void *dst, int c, unsigned long n) {
  uint8 *d = dst;
  while (n-- > 0)
    *d++ = (uint8)c;
  return dst;
}

void *memcpy(void *dst, const void *src, unsigned long n) {
  uint8 *d = dst;
  const uint8 *s = src;
  while (n-- > 0)
    *d++ = *s++;
  return dst;
}

unsigned long strlen(const char *s) {
  unsigned long n = 0;
  while (s[n])
    n++;
  return n;
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b)
    a++, b++;
  return (uint8)*a - (uint8)*b;
}

int strncmp(const char *a, const char *b, unsigned long n) {
  while (n > 0 && *a && *a == *b)
    n--, a++, b++;
  return n == 0 ? 0 : (uint8)*a - (uint8)*b;
}

/* n / d by shift and subtract, one quotient bit per step; *rem gets n % d if rem != 0.
 * d == 0 is a bug in the caller. */
uint64 udiv64(uint64 n, uint64 d, uint64 *rem) {
  if (d == 0)
    panic("udiv64: divide by zero");
#if __riscv_xlen == 64
  if (rem)
    *rem = n % d;
  return n / d;
#else
  uint64 q = 0, r = 0;
  for (int i = 63; i >= 0; i--) {
    r = (r << 1) | ((n >> i) & 1);
    if (r >= d) {
      r -= d;
      q |= 1ULL << i;
    }
  }
  if (rem)
    *rem = r;
  return q;
#endif
}

/* The first occurrence of needle in hay, or 0. */
char *strstr(const char *hay, const char *needle) {
  unsigned long n = strlen(needle);
  for (; *hay; hay++)
    if (strncmp(hay, needle, n) == 0)
      return (char *)hay;
  return n == 0 ? (char *)hay : 0;
}
