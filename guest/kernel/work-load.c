/*
 * Workloads counters, queues, bound and memwriter (work.c has the driver).
 *   counters   2 unbound threads per CPU, each growing its own counter and the counter
 *              of the CPU it runs on. Every counter must only grow, and every thread
 *              must make progress between two rounds (no thread starves).
 *   queues     3 bounded FIFO queues under spinlocks, one producer and one consumer
 *              thread each (unbound, so they cross CPUs), blocking with sleep/wakeup.
 *              Items are sequence numbers: the consumer must see each exactly once, in
 *              order, and produced = consumed + queued, as sums, at every round.
 *   bound      a thread bound to every other online CPU (the only one with one) must
 *              only ever run there and keep running.
 *   memwriter  one thread per CPU; together they dirty rate= pages per second across
 *              wset= pages after the kernel image, each write read back (each thread
 *              writes words of its own, so a mismatch is a lost write, never a race).
 *   idle       nothing: the CPUs sleep in wfi between verdict lines (a guest whose only
 *              pending event is a timer, for migration benchmarks).
 */
#include "types.h"
#include "bootargs.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"
#include "param.h"
#include "spinlock.h"
#include "thread.h"

#define NCNT (2 * NCPU)
static volatile uint32 tcount[NCNT], ccount[NCPU];
static uint32 tlast[NCNT], clast[NCPU];
static int ncnt, cnt_rounds;

static void counter_thread(void *arg) {
  volatile uint32 *mine = &tcount[(unsigned long)arg];
  for (;;) {
    *mine = *mine + 1;
    __atomic_add_fetch(&ccount[cpuid()], 1, __ATOMIC_RELAXED);
  }
}

void counters_start(void) {
  ncnt = 2 * ncpus_online();
  for (int i = 0; i < ncnt; i++)
    if (!thread_create("counter", counter_thread, (void *)(unsigned long)i))
      panic("counters: no thread");
}

/* Checks return -1 on a failure, 1 when something made no progress (work.c). */
int counters_check(char *why, int n) {
  int r = 0;
  for (int i = 0; i < NCPU; i++) {
    uint32 v = ccount[i];
    if ((int32)(v - clast[i]) < 0 && r >= 0)
      r = -1, snprintf(why, n, "cpu %d counter went back from %u to %u", i, clast[i], v);
    clast[i] = v;
  }
  for (int i = 0; i < ncnt; i++) {
    uint32 v = tcount[i];
    if ((int32)(v - tlast[i]) < 0 && r >= 0)
      r = -1, snprintf(why, n, "thread %d counter went back from %u to %u", i, tlast[i], v);
    else if (v == tlast[i] && cnt_rounds > 0 && r == 0)
      r = 1, snprintf(why, n, "thread %d made no progress", i);
    tlast[i] = v;
  }
  cnt_rounds++;
  return r;
}

#define NQ 3
#define QSIZE 16
struct queue {
  struct spinlock lock;
  uint32 item[QSIZE];
  uint32 head, tail;             /* head - tail items queued */
  uint32 nextput, nextget;       /* sequence numbers */
  uint64 sumput, sumget;
  uint32 errors;
  uint32 lastget;                /* nextget at the previous round */
  char error[80];
};
static struct queue queues[NQ];

static void producer(void *arg) {
  struct queue *q = arg;
  acquire(&q->lock);
  for (;;) {
    while (q->head - q->tail == QSIZE)
      sleep(&q->head, &q->lock);
    uint32 v = q->nextput++ * 2654435761u;
    q->item[q->head++ % QSIZE] = v;
    q->sumput += v;
    wakeup(&q->tail);
    if ((q->nextput & 7) == 0) {   /* let the lock go now and then */
      release(&q->lock);
      acquire(&q->lock);
    }
  }
}

static void consumer(void *arg) {
  struct queue *q = arg;
  acquire(&q->lock);
  for (;;) {
    while (q->head == q->tail)
      sleep(&q->tail, &q->lock);
    uint32 v = q->item[q->tail++ % QSIZE];
    uint32 want = q->nextget++ * 2654435761u;
    if (v != want && !q->errors++)
      snprintf(q->error, sizeof q->error, "item %u is 0x%x, want 0x%x", q->nextget - 1, v,
               want);
    q->sumget += v;
    wakeup(&q->head);
  }
}

void queues_start(void) {
  for (int i = 0; i < NQ; i++) {
    initlock(&queues[i].lock, "queue");
    if (!thread_create("producer", producer, &queues[i]) ||
        !thread_create("consumer", consumer, &queues[i]))
      panic("queues: no thread");
  }
}

int queues_check(char *why, int n) {
  int r = 0;
  for (int i = 0; i < NQ && r >= 0; i++) {
    struct queue *q = &queues[i];
    acquire(&q->lock);
    uint64 queued = 0;
    for (uint32 k = q->tail; k != q->head; k++)
      queued += q->item[k % QSIZE];
    if (q->errors)
      r = -1, snprintf(why, n, "queue %d: %u bad item(s), first %s", i, q->errors, q->error);
    else if (q->sumput != q->sumget + queued)
      r = -1, snprintf(why, n, "queue %d: checksum: put %llu, got %llu + queued %llu", i,
                       q->sumput, q->sumget, queued);
    else if (q->nextget == q->lastget && r == 0)
      r = 1, snprintf(why, n, "queue %d: no progress", i);
    q->lastget = q->nextget;
    release(&q->lock);
  }
  return r;
}

static struct thread *bthreads[NCPU];
static volatile uint32 bloops[NCPU], bbad[NCPU], blast[NCPU];

static void bound_thread(void *arg) {
  int id = (int)(unsigned long)arg;
  for (;;) {
    if (cpuid() != id)
      bbad[id]++;
    bloops[id]++;
  }
}

/* CPUs left powered off at boot (vcpu-hotplug.c) do not count: a thread cannot be bound
 * there. */
void bound_start(void) {
  char why[80];
  int n = ncpus_online();
  for (int k = 0, j = 0; k < dt.nharts; k++) {
    int id = (int)dt.harts[k];
    if (cpus[id].state != CPU_ONLINE)
      continue;
    if (!(j++ & 1) && n != 1)
      continue;
    bthreads[id] = thread_create_bound("bound", bound_thread, (void *)(unsigned long)id, id,
                                       why, sizeof why);
    if (!bthreads[id])
      panic("bound: %s", why);
  }
}

int bound_check(char *why, int n) {
  int r = 0;
  for (int id = 0; id < NCPU; id++) {
    if (!bthreads[id])
      continue;
    uint32 loops = bloops[id];
    if (bbad[id] || bthreads[id]->nmigrate)
      return snprintf(why, n, "thread bound to cpu %d ran elsewhere %u times, migrated %u", id,
                      bbad[id], bthreads[id]->nmigrate), -1;
    if (loops == blast[id] && r == 0)
      r = 1, snprintf(why, n, "thread bound to cpu %d made no progress", id);
    blast[id] = loops;
  }
  return r;
}

extern char end[];
static unsigned long mwbase;
static uint32 mwpages, mwthreads;
static volatile uint32 mwwrites, mwbad;
static uint32 mwlast;

/* Paced per millisecond of guest time: each ms a thread earns its share of rate= (pages per
 * second) and writes the whole pages earned so far, so low rates still come out even. */
static void memwriter(void *arg) {
  uint32 i = (uint32)(unsigned long)arg;
  uint32 share = args.rate / mwthreads + (i < args.rate % mwthreads);
  uint64 x = 0x9e3779b97f4a7c15ULL ^ ((uint64)(i + 1) << 32);
  uint64 next = deadline_ms(1);
  uint32 credit = 0;   /* pages x 1000; below share + 1000 */
  for (;;) {
    credit += share;
    uint32 due = credit / 1000;
    credit %= 1000;
    for (uint32 k = 0; k < due; k++) {
      uint64 v = work_rand(&x);
      uint32 page = (uint32)(v >> 32) % mwpages;
      /* Each thread owns the words w with w % mwthreads == i: another thread's write between
       * this store and its read-back would otherwise be counted as a lost write. */
      uint32 word = (uint32)(v >> 8) % (512 / mwthreads) * mwthreads + i;
      volatile uint64 *p = (volatile uint64 *)(mwbase + page * PGSIZE) + word;
      *p = v;
      if (*p != v)
        mwbad++;
      __atomic_add_fetch(&mwwrites, 1, __ATOMIC_RELAXED);
    }
    while (!expired(next))
      yield();
    next += ms_to_ticks(1);
    if (expired(next + ms_to_ticks(10)))
      next = deadline_ms(1);   /* far behind (preempted, paused): do not burst */
  }
}

void memwriter_start(void) {
  unsigned long base = PGROUNDUP((unsigned long)end);
  uint64 limit = fdt_free_limit(base);
  if (base + (uint64)args.wset * PGSIZE > limit)
    panic("memwriter: wset=%u does not fit (at most %u)", args.wset,
          (uint32)((limit - base) / PGSIZE));
  mwbase = base;
  mwpages = args.wset;
  mwthreads = ncpus_online();
  for (uint32 i = 0; i < mwthreads; i++)
    if (!thread_create("memwriter", memwriter, (void *)(unsigned long)i))
      panic("memwriter: no thread");
}

int memwriter_check(char *why, int n) {
  uint32 w = mwwrites;
  if (mwbad)
    return snprintf(why, n, "%u write(s) did not read back", mwbad), -1;
  int r = w == mwlast ? 1 : 0;
  if (r)
    snprintf(why, n, "no page written");
  mwlast = w;
  return r;
}

void idle_start(void) {}

int idle_check(char *why, int n) {
  (void)why, (void)n;
  return 0;
}
