/*
 * Time and the supervisor timer. The time CSR counts at the device tree's
 * timebase-frequency (10 MHz on Ferry and QEMU). SBI TIME set_timer programs the next
 * interrupt and clears a pending one (SBI v2.0 §6.1); the interrupt handler disarms the
 * timer by setting it infinitely far away, so every timer interrupt is asked for
 * explicitly and can be counted exactly.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "riscv.h"

void timerinit(void) {
  if (dt.timebase == 0)
    panic("timerinit: no timebase");
}

uint64 us_to_ticks(uint64 us) {
  return udiv64(us * dt.timebase, 1000000, 0);
}

uint64 ms_to_ticks(uint64 ms) {
  return udiv64(ms * dt.timebase, 1000, 0);
}

/* The time ms milliseconds from now, for expired(). */
uint64 deadline_ms(uint64 ms) {
  return r_time() + ms_to_ticks(ms);
}

int expired(uint64 deadline) {
  return r_time() >= deadline;
}

/* Asks for a timer interrupt once time >= when, through TIME or, without it, the legacy
 * call. */
void timer_arm(uint64 when) {
  if (sbi_has_time) {
    struct sbiret r = sbi_set_timer(when);
    if (r.error != SBI_ERR_SUCCESS)
      panic("timer_arm: set_timer: %s", sbi_strerror(r.error));
  } else {
    sbi_legacy_set_timer(when);
  }
}

/* No timer interrupt until armed again; clears a pending one. */
void timer_disarm(void) {
  timer_arm(~0ULL);
}

/* From kerneltrap with interrupts off. */
void timer_intr(unsigned long scause) {
  struct cpu *c = mycpu();
  if (dispatching) {
    disp_tick();
    return;
  }
  c->tick_time = r_time();
  c->tick_cause = scause;
  c->ntick++;
  timer_disarm();
}

void delay_us(uint64 us) {
  uint64 end = r_time() + us_to_ticks(us);
  while (r_time() < end)
    ;
}
