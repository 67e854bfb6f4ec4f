/*
 * test=smp (the default): every hart in the device tree comes up through HSM, then all of
 * them exchange IPI messages and take timer interrupts, and the boot hart prints one
 * verdict line:
 *
 *   CHECK ok smp harts=N ipis=I ticks=T     I = N*(N-1)*ipis, T = N*ticks
 *   CHECK FAIL <what failed>
 *
 * and powers off (SYSTEM_FAILURE on failure). The harts are started one at a time, each
 * printing "hart H up" before the next is started, so the output does not depend on
 * timing; no time or timing-dependent count is ever printed.
 *
 * Rounds, all harts together, separated by barriers:
 *   IPI:   each hart sends ipis= messages to every other hart (smp.c), waiting for each
 *          to be acknowledged; every hart must have received exactly (N-1)*ipis.
 *   timer: each hart arms its timer ticks= times, tick_us= ahead, and waits for the
 *          interrupt; each must come no earlier than asked, and exactly ticks= come.
 */
#include "types.h"
#include "bootargs.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "riscv.h"
#include "spinlock.h"

#define OPAQUE_SMP 0x5a3c0000UL   /* a1 for hart h is OPAQUE_SMP + h */

static volatile int go;                 /* every hart is up; set once by the boot hart */
static volatile int nonline;            /* harts taking part */
static unsigned long online[NCPU];      /* their ids; written before go */
static volatile int announced[NCPU];    /* hart h has printed "hart h up" */
static struct barrier bar;

static struct spinlock faillock = {0, "fail", 0};
static volatile int failed;             /* set once, with failmsg, under faillock */
static char failmsg[160];

static void fail(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void fail(const char *fmt, ...) {
  acquire(&faillock);
  if (!failed) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failmsg, sizeof failmsg, fmt, ap);
    va_end(ap);
    __atomic_store_n(&failed, 1, __ATOMIC_RELEASE);
  }
  release(&faillock);
}

static void ipi_round(void) {
  unsigned long me = mycpu()->hartid;
  for (uint32 k = 0; k < args.ipis && !failed; k++) {
    for (int i = 0; i < nonline && !failed; i++) {
      unsigned long t = online[i];
      if (t == me)
        continue;
      struct sbiret r = ipi_post(t);
      if (r.error) {
        fail("ipi: send_ipi from hart %lu to hart %lu: %s", me, t, sbi_strerror(r.error));
        return;
      }
      if (ipi_wait_ack(t, deadline_ms(TIMEOUT_MS)) < 0) {
        fail("ipi: message %u from hart %lu to hart %lu never arrived", k + 1, me, t);
        return;
      }
    }
  }
}

/* Waits, interrupts on, until this hart's tick count moves past before; -1 on timeout. */
static int wait_tick(uint32 before, uint64 deadline) {
  struct cpu *c = mycpu();
  for (;;) {
    intr_off();
    if (c->ntick != before) {
      intr_on();
      return 0;
    }
    if (expired(deadline)) {
      intr_on();
      return -1;
    }
    wfi();      /* wakes on the pending interrupt even with SIE off... */
    intr_on();  /* ...which is taken here */
  }
}

static void timer_round(void) {
  struct cpu *c = mycpu();
  uint64 period = us_to_ticks(args.tick_us);
  for (uint32 m = 0; m < args.ticks && !failed; m++) {
    uint32 before = c->ntick;
    uint64 start = r_time();
    timer_arm(start + period);
    if (wait_tick(before, start + period + ms_to_ticks(TIMEOUT_MS)) < 0) {
      fail("timer: hart %lu: tick %u never came", c->hartid, m + 1);
      return;
    }
    if (c->tick_time < start + period) {
      fail("timer: hart %lu: tick %u came before the time asked", c->hartid, m + 1);
      return;
    }
    if (c->tick_cause != (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
      fail("timer: hart %lu: scause %p", c->hartid, (void *)c->tick_cause);
      return;
    }
  }
}

/* The part every hart runs once all are up; returns on the boot hart only. */
static void rounds(void) {
  struct cpu *c = mycpu();
  intr_on();
  ipi_round();
  if (barrier_wait(&bar, nonline) < 0)
    fail("barrier after the IPI round: a hart did not arrive");
  timer_round();
  if (barrier_wait(&bar, nonline) < 0)
    fail("barrier after the timer round: a hart did not arrive");
  intr_off();
  if (c->hartid != online[0])
    for (;;)
      wfi();
}

void smp_hart(void) {
  struct cpu *c = mycpu();
  printf("hart %lu up\n", c->hartid);
  __atomic_store_n(&announced[c->hartid], 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
    ;
  rounds();
  panic("smp_hart: returned");
}

static void verdict(void) {
  uint32 n = (uint32)nonline, ipis = 0, ticks = 0;
  for (int i = 0; i < nonline && !failed; i++) {
    struct cpu *c = &cpus[online[i]];
    if (c->nmsg != (n - 1) * args.ipis)
      fail("ipi: hart %lu received %u messages, want %u", c->hartid, c->nmsg,
           (n - 1) * args.ipis);
    else if (c->ntick != args.ticks)
      fail("timer: hart %lu took %u timer interrupts, want %u", c->hartid, c->ntick,
           args.ticks);
    ipis += c->nmsg;
    ticks += c->ntick;
  }
  if (failed) {
    printf("CHECK FAIL %s\n", failmsg);
    shutdown(1);
  }
  printf("CHECK ok smp harts=%u ipis=%u ticks=%u\n", n, ipis, ticks);
  shutdown(0);
}

void test_smp(void) {
  unsigned long me = mycpu()->hartid;
  online[0] = me;
  nonline = 1;
  printf("hart %lu up\n", me);
  for (int i = 0; i < dt.nharts; i++) {
    unsigned long h = dt.harts[i];
    if (h == me)
      continue;
    char why[120];
    if (smp_start_hart(h, OPAQUE_SMP + h, why, sizeof why) < 0) {
      printf("CHECK FAIL hsm: %s\n", why);
      shutdown(1);
    }
    uint64 deadline = deadline_ms(TIMEOUT_MS);
    while (!__atomic_load_n(&announced[h], __ATOMIC_ACQUIRE))
      if (expired(deadline)) {
        printf("CHECK FAIL hsm: hart %lu started but did not announce itself\n", h);
        shutdown(1);
      }
    online[nonline] = h;
    nonline = nonline + 1;
  }
  __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
  rounds();
  verdict();
  panic("test_smp: returned");
}
