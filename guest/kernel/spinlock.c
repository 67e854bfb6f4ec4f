/*
 * Spinlocks.
 *
 * A lock is one 32-bit word taken with an atomic swap. The swap that takes the lock has
 * acquire ordering (amoswap.w.aq): nothing the critical section does can be seen by
 * other harts before the lock is seen taken. The store that frees it has release ordering
 * (a fence rw,w before the store): everything the critical section did is visible before
 * the lock is seen free. Together they make a critical section's effects visible, in
 * full, to the next holder on any hart.
 *
 * Interrupts stay off while a lock is held. Otherwise a trap handler on the holding hart
 * could try to take the same lock and spin forever against its own hart. push_off and
 * pop_off nest, so a function that takes two locks restores the interrupt state only
 * when the outer one is released.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "riscv.h"
#include "spinlock.h"

void initlock(struct spinlock *lk, const char *name) {
  lk->locked = 0;
  lk->name = name;
  lk->cpu = 0;
}

void acquire(struct spinlock *lk) {
  push_off();
  if (holding(lk))
    panic("acquire: %s already held by this hart", lk->name);
  while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0)
    ;
  lk->cpu = mycpu();
  lk->cpu->nlocks++;
}

void release(struct spinlock *lk) {
  if (!holding(lk))
    panic("release: %s not held by this hart", lk->name);
  lk->cpu->nlocks--;
  lk->cpu = 0;
  __atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
  pop_off();
}

/* Whether this hart holds lk. Only meaningful with interrupts off (the caller cannot move
 * to another hart, but a trap handler could otherwise take and drop the lock meanwhile). */
int holding(struct spinlock *lk) {
  return __atomic_load_n(&lk->locked, __ATOMIC_RELAXED) && lk->cpu == mycpu();
}

/* Like intr_off(), but nests: it takes as many pop_off() calls to undo. The interrupt
 * state is read before interrupts are turned off, so the outermost call remembers it. */
void push_off(void) {
  int old = intr_get();
  intr_off();
  struct cpu *c = mycpu();
  if (c->noff == 0)
    c->intena = old;
  c->noff++;
}

void pop_off(void) {
  struct cpu *c = mycpu();
  if (intr_get())
    panic("pop_off: interrupts enabled");
  if (c->noff < 1)
    panic("pop_off: not pushed");
  c->noff--;
  if (c->noff == 0 && c->intena)
    intr_on();
}
