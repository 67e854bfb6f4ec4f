/*
 * Console output through the SBI: the debug console extension (DBCN console_write) when
 * the firmware has it, else the legacy console_putchar, one byte per call (QEMU's OpenSBI
 * 1.1 has no DBCN). No locking here: printf.c serialises whole lines.
 */
#include "types.h"
#include "defs.h"

void consoleinit(void) {
  sbiinit();
}

/* Writes n bytes. DBCN may accept fewer bytes than asked (it is non-blocking), so the rest
 * is offered again; an error falls back to putchar for what is left. buf is a physical
 * address (paging is off), which is what console_write takes. */
void console_write(const char *buf, int n) {
  while (n > 0 && sbi_has_dbcn) {
    struct sbiret r = sbi_debug_console_write((unsigned long)n, (unsigned long)buf, 0);
    if (r.error != SBI_ERR_SUCCESS || r.value < 0 || r.value > n)
      break;
    buf += r.value;
    n -= (int)r.value;
  }
  for (int i = 0; i < n; i++)
    sbi_legacy_console_putchar((uint8)buf[i]);
}
