/*
 * Event channels: Xen's 2-level ABI over Ferry's PV extension.
 *
 * The shared-info page (a page of bss, registered with FERRY_PV_SHARED_INFO) holds one
 * vcpu_info per vCPU (an upcall_pending byte and a selector word) and two bitmaps over
 * the ports, pending and mask. When a port becomes pending and is unmasked, the host sets
 * its pending bit, the selector bit of its word in the bound vCPU's vcpu_info and that
 * vCPU's upcall_pending byte; the vCPU sees the supervisor external interrupt for as long
 * as the byte is non-zero. The host sets these bits with atomics while we clear them, so
 * every access here is atomic too.
 *
 * Each port has a handler, run in the upcall with interrupts off on the vCPU the port is
 * bound to. Ports the kernel keeps for its whole life (one IPI channel per CPU, VIRQ_DEBUG
 * on CPU 0) are "kept": the suspend protocol closes them all before FERRY_PV_SUSPEND and
 * binds them again after (evtchn_teardown, evtchn_resume); their numbers may change then,
 * so users look them up each time. The store's port is not ours to close: it survives.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "param.h"
#include "riscv.h"

#define XLEN __riscv_xlen
#define NEVTCHN 1024   /* ports with a handler slot: the host allocates the lowest free */
#define NKEPT (NCPU + 1)

/* The page, as words so that the word fields are visibly aligned (offsets: ferry-sbi.h). */
static __attribute__((aligned(4096))) unsigned long shinfo[4096 / sizeof(unsigned long)];
#define WORD(off) (&shinfo[(off) / sizeof(unsigned long)])
#define UPCALL(v) ((uint8 *)shinfo + (v) * SHINFO_VCPU_SIZE + SHINFO_VCPU_UPCALL_PENDING)
#define SEL(v) WORD((v) * SHINFO_VCPU_SIZE + SHINFO_VCPU_PENDING_SEL)
#define PENDING WORD(SHINFO_EVTCHN_PENDING)
#define MASK WORD(SHINFO_EVTCHN_MASK)

/* Handlers; fn is published last (release) and read first (acquire). */
static struct {
  void (*volatile fn)(int port, void *arg);
  void *arg;
  volatile int vcpu;
} ports[NEVTCHN];

enum { KEPT_IPI, KEPT_VIRQ };
static struct kept {
  int kind, virq, vcpu;
  void (*fn)(int port, void *arg);
  void *arg;
  volatile int port;   /* 0 while torn down */
} kept[NKEPT];
static int nkept;
static int ipi_kept[NCPU];      /* index in kept[] of each CPU's IPI channel, or -1 */

volatile uint32 evtchn_ipi_hits[NCPU];   /* IPI channel deliveries, by the CPU that took it */
volatile uint32 evtchn_nstray;           /* pending ports with no handler (cleared) */
volatile uint32 evtchn_ndebug;           /* VIRQ_DEBUG deliveries */

void evtchn_handle(int port, int vcpu, void (*fn)(int, void *), void *arg) {
  if (port <= 0 || port >= NEVTCHN)
    panic("evtchn: port %d outside the handler table (%d)", port, NEVTCHN);
  ports[port].arg = arg;
  ports[port].vcpu = vcpu;
  __atomic_store_n(&ports[port].fn, fn, __ATOMIC_RELEASE);
}

/* A bind call's result: the port, with its handler installed; -1 with why. */
static int bound(struct sbiret r, const char *what, int vcpu, void (*fn)(int, void *),
                 void *arg, char *why, int whylen) {
  if (r.error) {
    snprintf(why, whylen, "%s(vcpu %d): %s", what, vcpu, sbi_strerror(r.error));
    return -1;
  }
  evtchn_handle((int)r.value, vcpu, fn, arg);
  return (int)r.value;
}

int evtchn_bind_ipi(int vcpu, void (*fn)(int, void *), void *arg, char *why, int whylen) {
  return bound(pv_evtchn_bind_ipi(vcpu), "bind_ipi", vcpu, fn, arg, why, whylen);
}

int evtchn_bind_virq(int virq, int vcpu, void (*fn)(int, void *), void *arg, char *why,
                     int whylen) {
  return bound(pv_evtchn_bind_virq(virq, vcpu), "bind_virq", vcpu, fn, arg, why, whylen);
}

/* Removes the handler, then closes the port (the host clears its pending bit). */
long evtchn_close(int port) {
  if (port > 0 && port < NEVTCHN)
    __atomic_store_n(&ports[port].fn, 0, __ATOMIC_RELEASE);
  return pv_evtchn_close(port).error;
}

long evtchn_send(int port) {
  return pv_evtchn_send(port).error;
}

static void ipi_handler(int port, void *arg) {
  (void)port;
  (void)arg;
  __atomic_add_fetch(&evtchn_ipi_hits[cpuid()], 1, __ATOMIC_RELAXED);
}

static void debug_handler(int port, void *arg) {
  (void)port;
  (void)arg;
  __atomic_add_fetch(&evtchn_ndebug, 1, __ATOMIC_RELAXED);
}

static void bind_kept(struct kept *k) {
  char why[80];
  int p = k->kind == KEPT_IPI ? evtchn_bind_ipi(k->vcpu, k->fn, k->arg, why, sizeof why)
                              : evtchn_bind_virq(k->virq, k->vcpu, k->fn, k->arg, why, sizeof why);
  if (p < 0)
    panic("evtchn: %s", why);
  k->port = p;
}

static void register_page(void) {
  struct sbiret r = pv_shared_info((unsigned long)shinfo);
  if (r.error)
    panic("evtchn: shared_info(%p): %s", (void *)shinfo, sbi_strerror(r.error));
}

/* On the boot CPU, once, with PV present: registers the page and binds the kept
 * channels, an IPI channel for every CPU of the device tree and VIRQ_DEBUG on CPU 0. */
void evtchninit(void) {
  register_page();
  for (int i = 0; i < NCPU; i++)
    ipi_kept[i] = -1;
  for (int i = 0; i < dt.nharts; i++) {
    int id = (int)dt.harts[i];
    ipi_kept[id] = nkept;
    kept[nkept++] = (struct kept){KEPT_IPI, 0, id, ipi_handler, 0, 0};
  }
  kept[nkept++] = (struct kept){KEPT_VIRQ, VIRQ_DEBUG, 0, debug_handler, 0, 0};
  for (int i = 0; i < nkept; i++)
    bind_kept(&kept[i]);
}

/* Suspend, on CPU 0 with every other CPU down: closes every kept channel. */
void evtchn_teardown(void) {
  for (int i = 0; i < nkept; i++) {
    long e = evtchn_close(kept[i].port);
    if (e)
      panic("evtchn: close port %d: %s", kept[i].port, sbi_strerror(e));
    kept[i].port = 0;
  }
}

/* Resume (new domain or cancelled), on CPU 0: registers the page again and rebinds every
 * kept channel, perhaps at new port numbers. */
void evtchn_resume(void) {
  register_page();
  for (int i = 0; i < nkept; i++)
    bind_kept(&kept[i]);
}

/* The port of CPU id's IPI channel; 0 if it has none (or it is torn down). */
int evtchn_ipi_port(int id) {
  return id >= 0 && id < NCPU && ipi_kept[id] >= 0 ? kept[ipi_kept[id]].port : 0;
}

/* Sends on the IPI channel of every CPU in s, then waits, yielding, until each one's
 * handler ran there. 0, or -1 with why. Called from a thread (interrupts on). */
int evtchn_ipi_ping(cpuset s, uint64 deadline, char *why, int whylen) {
  uint32 before[NCPU];
  for (int id = 0; id < NCPU; id++) {
    if (!cpuset_has(s, id))
      continue;
    int port = evtchn_ipi_port(id);
    before[id] = evtchn_ipi_hits[id];
    long e = port ? evtchn_send(port) : SBI_ERR_INVALID_PARAM;
    if (e) {
      snprintf(why, whylen, "cpu %d: send on ipi port %d: %s", id, port, sbi_strerror(e));
      return -1;
    }
  }
  for (int id = 0; id < NCPU; id++)
    while (cpuset_has(s, id) && evtchn_ipi_hits[id] == before[id]) {
      if (expired(deadline)) {
        snprintf(why, whylen, "cpu %d: ipi port %d never delivered", id, evtchn_ipi_port(id));
        return -1;
      }
      yield();
    }
  return 0;
}

static void dispatch(int port) {
  void (*fn)(int, void *) = 0;
  if (port < NEVTCHN)
    fn = __atomic_load_n(&ports[port].fn, __ATOMIC_ACQUIRE);
  if (fn)
    fn(port, ports[port].arg);
  else
    __atomic_add_fetch(&evtchn_nstray, 1, __ATOMIC_RELAXED);
}

/*
 * The upcall, from kerneltrap on scause = interrupt | 9 with interrupts off (Xen's
 * 2-level handler): clear upcall_pending, take the selector, and for each word it names
 * handle every pending unmasked port bound to this vCPU, clearing its pending bit before
 * its handler runs. Again while the host raised upcall_pending meanwhile. A port bound
 * to another vCPU can share a word with ours: it is left for that vCPU.
 */
void evtchn_intr(void) {
  int me = cpuid();
  uint8 *up = UPCALL(me);
  do {
    __atomic_store_n(up, 0, __ATOMIC_SEQ_CST);
    unsigned long sel = __atomic_exchange_n(SEL(me), 0, __ATOMIC_SEQ_CST);
    for (int w = 0; sel; w++, sel >>= 1) {
      if (!(sel & 1))
        continue;
      unsigned long bits = __atomic_load_n(&PENDING[w], __ATOMIC_ACQUIRE) &
                           ~__atomic_load_n(&MASK[w], __ATOMIC_ACQUIRE);
      for (int b = 0; bits; b++, bits >>= 1) {
        int port = w * XLEN + b;
        if (!(bits & 1) || (port < NEVTCHN && ports[port].fn && ports[port].vcpu != me))
          continue;
        __atomic_and_fetch(&PENDING[w], ~(1UL << b), __ATOMIC_SEQ_CST);
        dispatch(port);
      }
    }
  } while (__atomic_load_n(up, __ATOMIC_SEQ_CST));
}
