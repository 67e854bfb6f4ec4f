/* Cross-file declarations, grouped by the file that defines them. */
#ifndef DEFS_H
#define DEFS_H

#include <stdarg.h>
#include "types.h"
#include "ferry-sbi.h"

struct cpu;
struct jmpbuf;
struct spinlock;
struct thread;

/* The SBI return pair (SBI v2.0 §3): error in a0, value in a1. */
struct sbiret {
  long error;
  long value;
};

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))

/* blkfront.c, blkfront-xs.c */
void blkinit(void);
int blk_ndisks(void);
const char *blk_name(int d);
uint64 blk_sectors(int d);
int blk_readonly(int d);
uint32 blk_nbad(int d);
int blk_error(int d, char *why, int whylen);
int blk_rw(int d, int op, uint64 sector, void *buf, int nsect, char *why, int whylen);
void blk_suspend(void);
void blk_resume(int fresh);

/* bootargs.c */
void bootargsinit(const char *s);

/* console.c */
void consoleinit(void);
void console_write(const char *buf, int n);

/* cpuctl.c */
void cpu_lock_enter(void);
void cpu_lock_exit(void);
int cpu_lock_held(void);
int ncpus_online(void);
const char *cpu_state_name(int s);
int cpu_offline(int id, char *why, int whylen);
int cpu_online(int id, char *why, int whylen);
int cpu_poweroff(int id, char *why, int whylen);
int cpu_poweron(int id, char *why, int whylen);

/* disp.c */
#define OPAQUE_DISP 0x0d150000UL   /* a1 for a hart started by the dispatcher: + hart id */
extern volatile int dispatching;
void setrunq(struct thread *t);
void disp_tick(void);
void disp_preempt(void);
void disp_hart(void) NORETURN;
void disp_start(void (*fn)(void *)) NORETURN;

/* entry.S */
void _entry(void);
void secondary_entry(void);
void resume_entry(void);
void kernelvec(void);

/* evtchn.c */
extern volatile uint32 evtchn_ipi_hits[], evtchn_nstray, evtchn_ndebug;
void evtchninit(void);
void evtchn_handle(int port, int vcpu, void (*fn)(int port, void *arg), void *arg);
int evtchn_bind_ipi(int vcpu, void (*fn)(int, void *), void *arg, char *why, int whylen);
int evtchn_bind_virq(int virq, int vcpu, void (*fn)(int, void *), void *arg, char *why,
                     int whylen);
long evtchn_close(int port);
long evtchn_send(int port);
void evtchn_teardown(void);
void evtchn_resume(void);
int evtchn_ipi_port(int id);
int evtchn_ipi_ping(cpuset s, uint64 deadline, char *why, int whylen);
void evtchn_intr(void);

/* fdt.c */
void fdtinit(unsigned long dtb);
uint64 fdt_free_limit(unsigned long base);

/* jmp.S */
int ksetjmp(struct jmpbuf *jb) __attribute__((returns_twice));
void klongjmp(struct jmpbuf *jb, int v) NORETURN;

/* main.c */
extern volatile int started;
extern void (*hartmain)(void);
void main(unsigned long hartid, unsigned long dtb) NORETURN;
void mpmain(unsigned long hartid, unsigned long opaque) NORETURN;
void resume_main(unsigned long hartid, unsigned long opaque) NORETURN;

/* printf.c */
int printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int snprintf(char *buf, int size, const char *fmt, ...) PRINTF_LIKE(3, 4);
int vsnprintf(char *buf, int size, const char *fmt, va_list ap);
void panic(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;
extern volatile int panicking;

/* sbi.c */
struct sbiret sbi_ecall(long ext, long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2, unsigned long a3, unsigned long a4,
                        unsigned long a5);
void sbiinit(void);
extern int sbi_has_dbcn, sbi_has_srst, sbi_has_time;
const char *sbi_strerror(long error);
struct sbiret sbi_get_spec_version(void);
struct sbiret sbi_get_impl_id(void);
struct sbiret sbi_get_impl_version(void);
struct sbiret sbi_probe_extension(long extid);
struct sbiret sbi_get_mvendorid(void);
struct sbiret sbi_get_marchid(void);
struct sbiret sbi_get_mimpid(void);
struct sbiret sbi_set_timer(uint64 stime_value);
struct sbiret sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
struct sbiret sbi_remote_fence_i(unsigned long hart_mask, unsigned long hart_mask_base);
struct sbiret sbi_remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                                    unsigned long start_addr, unsigned long size);
struct sbiret sbi_remote_sfence_vma_asid(unsigned long hart_mask,
                                         unsigned long hart_mask_base,
                                         unsigned long start_addr, unsigned long size,
                                         unsigned long asid);
struct sbiret sbi_remote_hfence_gvma_vmid(unsigned long hart_mask,
                                          unsigned long hart_mask_base,
                                          unsigned long start_addr, unsigned long size,
                                          unsigned long vmid);
struct sbiret sbi_remote_hfence_gvma(unsigned long hart_mask, unsigned long hart_mask_base,
                                     unsigned long start_addr, unsigned long size);
struct sbiret sbi_remote_hfence_vvma_asid(unsigned long hart_mask,
                                          unsigned long hart_mask_base,
                                          unsigned long start_addr, unsigned long size,
                                          unsigned long asid);
struct sbiret sbi_remote_hfence_vvma(unsigned long hart_mask, unsigned long hart_mask_base,
                                     unsigned long start_addr, unsigned long size);
struct sbiret sbi_hart_start(unsigned long hartid, unsigned long start_addr,
                             unsigned long opaque);
struct sbiret sbi_hart_stop(void);
struct sbiret sbi_hart_get_status(unsigned long hartid);
struct sbiret sbi_hart_suspend(uint32 suspend_type, unsigned long resume_addr,
                               unsigned long opaque);
struct sbiret sbi_system_reset(uint32 reset_type, uint32 reset_reason);
struct sbiret sbi_debug_console_write(unsigned long num_bytes, unsigned long base_addr_lo,
                                      unsigned long base_addr_hi);
struct sbiret sbi_debug_console_read(unsigned long num_bytes, unsigned long base_addr_lo,
                                     unsigned long base_addr_hi);
struct sbiret sbi_debug_console_write_byte(uint8 byte);
struct sbiret sbi_system_suspend(uint32 sleep_type, unsigned long resume_addr,
                                 unsigned long opaque);
long sbi_legacy_set_timer(uint64 stime_value);
long sbi_legacy_console_putchar(int ch);
long sbi_legacy_console_getchar(void);
long sbi_legacy_clear_ipi(void);
long sbi_legacy_send_ipi(const unsigned long *hart_mask);
long sbi_legacy_remote_fence_i(const unsigned long *hart_mask);
long sbi_legacy_remote_sfence_vma(const unsigned long *hart_mask, unsigned long start,
                                  unsigned long size);
long sbi_legacy_remote_sfence_vma_asid(const unsigned long *hart_mask, unsigned long start,
                                       unsigned long size, unsigned long asid);
long sbi_legacy_shutdown(void);
void shutdown(int failed) NORETURN;

/* pv.c */
#define CTX_X(i) (FERRY_CTX_X1 + (i) - 1)   /* context word of register x_i, i = 1..31 */
extern int pv_present;
void pvinit(void);
struct sbiret pv_vcpu_initialise(int vcpu, const unsigned long *ctx);
struct sbiret pv_vcpu_up(int vcpu);
struct sbiret pv_vcpu_down(int vcpu);
struct sbiret pv_vcpu_is_up(int vcpu);
struct sbiret pv_suspend(void);
struct sbiret pv_shared_info(unsigned long gpa);
struct sbiret pv_evtchn_alloc_unbound(unsigned long remote_domid);
struct sbiret pv_evtchn_bind_interdomain(unsigned long domid, int port);
struct sbiret pv_evtchn_bind_virq(int virq, int vcpu);
struct sbiret pv_evtchn_bind_ipi(int vcpu);
struct sbiret pv_evtchn_send(int port);
struct sbiret pv_evtchn_unmask(int port);
struct sbiret pv_evtchn_close(int port);
struct sbiret pv_evtchn_status(int port);
struct sbiret pv_evtchn_bind_vcpu(int port, int vcpu);
void pv_ctx_entry(unsigned long *ctx, unsigned long pc, unsigned long a0, unsigned long a1);
int pv_vcpu_start(int vcpu, const unsigned long *ctx, char *why, int whylen);
int pv_vcpu_stop(int vcpu, char *why, int whylen);

/* smp.c */
int smp_start_hart(unsigned long hartid, unsigned long opaque, char *why, int whylen);
int smp_wait_status(unsigned long hartid, long want, long *last);
long ipi_send(cpuset s);
struct sbiret ipi_post(unsigned long target);
int ipi_wait_ack(unsigned long target, uint64 deadline);
void ipi_intr(void);
struct barrier {
  uint32 arrived;   /* harts waiting in the current round */
  uint32 round;     /* bumped by the last arrival, which releases the others */
};
int barrier_wait(struct barrier *b, uint32 n);

/* spinlock.c */
void initlock(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);
int holding(struct spinlock *lk);
void push_off(void);
void pop_off(void);

/* string.c */
void *memset(void *dst, int c, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);
unsigned long strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, unsigned long n);
char *strstr(const char *hay, const char *needle);
uint64 udiv64(uint64 n, uint64 d, uint64 *rem);

/* suspend.c, suspend-check.c */
extern volatile int suspend_busy;
extern volatile uint32 suspend_entered;
void suspend_start(void);
void suspend_block(void);
void suspend_unblock(void);
void census_take(int after);
void suspend_verify(cpuset m, uint32 n);
uint32 suspend_due(void);
void suspend_done(uint32 n);
int suspend_check(char *why, int n);

/* swtch.S */
struct context;
void swtch(struct context *old, struct context *new);

/* test-all.c, test-cpu.c, test-pv.c */
void test_all(void *arg);
int test_cpu(int (*report)(const char *name, const char *why));
int test_pv(int (*report)(const char *name, const char *why));

/* test-diskbench.c */
void test_diskbench(void *arg) NORETURN;

/* test-memwrite.c */
void test_memwrite(void) NORETURN;
void memwrite_hart(void) NORETURN;

/* test-sbi.c */
void test_sbi(void) NORETURN;
void sbi_worker(void) NORETURN;

/* test-smp.c */
void test_smp(void) NORETURN;
void smp_hart(void) NORETURN;

/* thread.c (and threads[] in thread.h) */
void threadinit(void);
struct thread *curthread(void);
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg);
struct thread *thread_create_bound(const char *name, void (*fn)(void *), void *arg, int id,
                                   char *why, int whylen);
void sched(void);
void yield(void);
void ylock_acquire(volatile int *w);
void ylock_release(volatile int *w);
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);
void thread_exit(void) NORETURN;
void thread_join(struct thread *t);
int thread_bind(int id, char *why, int whylen);
void thread_delay_ms(uint64 ms);

/* timer.c */
void timerinit(void);
uint64 us_to_ticks(uint64 us);
uint64 ms_to_ticks(uint64 ms);
void timer_arm(uint64 when);
void timer_disarm(void);
void timer_intr(unsigned long scause);
void delay_us(uint64 us);
uint64 deadline_ms(uint64 ms);
int expired(uint64 deadline);

/* trap.c */
void trapinithart(void);
void kerneltrap(void);
void expect_fault(void);
int fault_taken(unsigned long *cause, unsigned long *epc);

/* vcpu-hotplug.c */
void vcpu_hotplug_lock(void);
void vcpu_hotplug_unlock(void);
cpuset vcpu_hotplug_boot(void);
void vcpu_hotplug_start(void);

/* work.c, work-load.c, work-mix.c */
void work_main(void *arg);
uint64 work_rand(uint64 *x);
void counters_start(void);
int counters_check(char *why, int n);
void queues_start(void);
int queues_check(char *why, int n);
void bound_start(void);
int bound_check(char *why, int n);
void memwriter_start(void);
int memwriter_check(char *why, int n);
void mix_start(void);
int mix_check(char *why, int n);
void idle_start(void);
int idle_check(char *why, int n);

/* work-disk.c */
void disk_start(void);
int disk_check(char *why, int n);

/* xs.c */
extern volatile uint32 xs_nintr, xs_nlost;
void xsinit(void);
int xs_present(void);
int xs_request(uint32 type, const char *a, const void *b, int blen, char *out, int outlen);
int xs_read(const char *path, char *out, int n);
int xs_write(const char *path, const char *value, char *out, int n);
int xs_directory(const char *path, char *out, int n);
int xs_rm(const char *path, char *out, int n);
int xs_watch(const char *path, const char *token, char *out, int n);
int xs_unwatch(const char *path, const char *token, char *out, int n);
int xs_watch_kept(const char *path, const char *token, char *out, int n);
int xs_rewatch(char *out, int n);
int xs_watch_event(const char *token, char *path, int pathlen, uint64 deadline);

/* xcall.c */
void xc_poll(void);
cpuset xc_call(cpuset s, void (*fn)(void *), void *arg);
cpuset xc_others(void);
void (*pause_handler_set(void (*fn)(void)))(void);
cpuset pause_cpus(void);
void start_cpus(void);

#endif
