/*
 * Formatted output: printf to the console, snprintf to a buffer, and panic.
 *
 * Conversions: %d %u %x %c %s %p %%, with the l and ll length modifiers on d, u and x,
 * a field width, the 0 flag, and a precision on %s (%.*s). 64-bit values print without
 * libgcc (udiv64).
 *
 * printf formats into a small buffer and holds the console lock from the first byte to
 * the last, so lines from different harts never interleave as long as each printf call
 * prints whole lines. panic skips the lock (the panicking hart may hold it) and freezes
 * the other harts' printing.
 */
#include <stdarg.h>
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "spinlock.h"

volatile int panicking;   /* set once by the first panic; printf then spins */

static struct spinlock printlock = {0, "printf", 0};

/* A formatting destination: a buffer of size bytes, flushed through flush when full. */
struct sink {
  char *buf;
  int size;
  int len;
  int total;                                 /* characters produced so far */
  void (*flush)(struct sink *s);             /* 0: drop what does not fit */
};

static void put(struct sink *s, char c) {
  s->total++;
  if (s->len == s->size) {
    if (!s->flush)
      return;
    s->flush(s);
  }
  s->buf[s->len++] = c;
}

static void putnum(struct sink *s, uint64 v, int base, int neg, int width, char pad) {
  static const char digits[] = "0123456789abcdef";
  char tmp[24];
  int n = 0;
  do {
    uint64 r;
    v = udiv64(v, (uint64)base, &r);
    tmp[n++] = digits[r];
  } while (v != 0);
  if (neg)
    tmp[n++] = '-';
  if (neg && pad == '0') {
    put(s, tmp[--n]);
    width--;
  }
  for (int i = n; i < width; i++)
    put(s, pad);
  while (n > 0)
    put(s, tmp[--n]);
}

static void format(struct sink *s, const char *fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(s, *fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    int width = 0, lng = 0, prec = -1;
    if (*fmt == '0') {
      pad = '0';
      fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    if (*fmt == '.') {
      fmt++;
      prec = 0;
      if (*fmt == '*') {
        prec = va_arg(ap, int);
        fmt++;
      }
      while (*fmt >= '0' && *fmt <= '9')
        prec = prec * 10 + (*fmt++ - '0');
    }
    while (*fmt == 'l') {
      lng++;
      fmt++;
    }
    switch (*fmt) {
    case 'd': {
      int64 v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
      putnum(s, v < 0 ? -(uint64)v : (uint64)v, 10, v < 0, width, pad);
      break;
    }
    case 'u':
    case 'x': {
      uint64 v = lng >= 2 ? va_arg(ap, unsigned long long)
                 : lng    ? va_arg(ap, unsigned long)
                          : va_arg(ap, unsigned int);
      putnum(s, v, *fmt == 'u' ? 10 : 16, 0, width, pad);
      break;
    }
    case 'p':
      put(s, '0');
      put(s, 'x');
      putnum(s, (unsigned long)va_arg(ap, void *), 16, 0, width, pad);
      break;
    case 'c':
      put(s, (char)va_arg(ap, int));
      break;
    case 's': {
      const char *str = va_arg(ap, const char *);
      if (!str)
        str = "(null)";
      int n = 0;
      while (str[n] && (prec < 0 || n < prec))
        n++;
      for (int i = n; i < width; i++)
        put(s, ' ');
      for (int i = 0; i < n; i++)
        put(s, str[i]);
      break;
    }
    case '%':
      put(s, '%');
      break;
    case 0:
      return;
    default:
      put(s, '%');
      put(s, *fmt);
      break;
    }
  }
}

static void console_flush(struct sink *s) {
  console_write(s->buf, s->len);
  s->len = 0;
}

static int vprintf_locked(const char *fmt, va_list ap) {
  char buf[128];
  struct sink s = {buf, sizeof buf, 0, 0, console_flush};
  format(&s, fmt, ap);
  console_flush(&s);
  return s.total;
}

int printf(const char *fmt, ...) {
  while (panicking)
    ;
  va_list ap;
  va_start(ap, fmt);
  acquire(&printlock);
  int n = vprintf_locked(fmt, ap);
  release(&printlock);
  va_end(ap);
  return n;
}

/* Always NUL-terminates (size > 0); returns the length the full output would have. */
int vsnprintf(char *buf, int size, const char *fmt, va_list ap) {
  struct sink s = {buf, size - 1, 0, 0, 0};
  format(&s, fmt, ap);
  buf[s.len] = 0;
  return s.total;
}

int snprintf(char *buf, int size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

/* Reports a broken invariant and powers off with SYSTEM_FAILURE. */
void panic(const char *fmt, ...) {
  intr_off();
  int first = __atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL) == 0;
  if (!first)
    for (;;)
      wfi();
  va_list ap;
  va_start(ap, fmt);
  char msg[160];
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char line[200];
  int n = snprintf(line, sizeof line, "panic: hart %lu: %s\n", mycpu()->hartid, msg);
  console_write(line, n < (int)sizeof line ? n : (int)sizeof line - 1);
  shutdown(1);
}
