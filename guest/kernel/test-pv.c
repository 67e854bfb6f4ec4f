/*
 * test=all, part three (test-all.c has the harness): Ferry's PV interface, skipped when it
 * is absent (QEMU).
 *   evtchn  a fresh IPI channel bound to every powered-on CPU delivers there, and only
 *           there; status says IPI on that vCPU, and CLOSED after close; the kept IPI
 *           channels (evtchn.c) deliver too.
 *   store   write, read back and rm a key under data/; a watch fires once when registered
 *           and once per change; a reply bigger than the ring arrives in pieces (a
 *           directory of 96 long names); a request of an unknown type is answered with an
 *           error, not silence; the upcall is what delivers replies.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"

static char why[200];
#define FAILF(...) (snprintf(why, sizeof why, __VA_ARGS__), why)

static volatile uint32 hit[NCPU], hit_wrong;
static void on_ipi(int port, void *arg) {
  int want = (int)(unsigned long)arg;
  (void)port;
  if (cpuid() != want)
    __atomic_add_fetch(&hit_wrong, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&hit[want], 1, __ATOMIC_RELAXED);
}

static int powered(int id) {
  return cpus[id].state == CPU_ONLINE || cpus[id].state == CPU_OFFLINE;
}

static const char *ipi_round(int *port) {
  for (int id = 0; id < NCPU; id++) {
    if (!powered(id))
      continue;
    hit[id] = 0;
    if ((port[id] = evtchn_bind_ipi(id, on_ipi, (void *)(unsigned long)id, why, sizeof why)) < 0)
      return why;
    struct sbiret s = pv_evtchn_status(port[id]);
    if (s.error || (s.value & 0xff) != EVTCHNSTAT_IPI || ((s.value >> 8) & 0xff) != id)
      return FAILF("status of ipi port %d for cpu %d: error %ld value %p", port[id], id, s.error,
                   (void *)s.value);
  }
  for (int id = 0; id < NCPU; id++) {
    long e = port[id] > 0 ? evtchn_send(port[id]) : 0;
    if (e)
      return FAILF("send on port %d: %s", port[id], sbi_strerror(e));
  }
  uint64 dl = deadline_ms(TIMEOUT_MS);
  for (int id = 0; id < NCPU; id++)
    while (port[id] > 0 && hit[id] == 0)
      if (expired(dl))
        return FAILF("ipi port %d never delivered to cpu %d", port[id], id);
      else
        yield();
  if (hit_wrong)
    return FAILF("%u ipi event(s) handled on the wrong cpu", hit_wrong);
  cpuset m = 0;
  for (int id = 0; id < NCPU; id++)
    if (powered(id))
      m |= cpubit(id);
  return evtchn_ipi_ping(m, deadline_ms(TIMEOUT_MS), why, sizeof why) < 0 ? why : 0;
}

static const char *t_evtchn(void) {
  int port[NCPU] = {0};
  hit_wrong = 0;
  const char *r = ipi_round(port);
  for (int id = 0; id < NCPU; id++) {
    if (port[id] <= 0)
      continue;
    long e = evtchn_close(port[id]);
    struct sbiret s = pv_evtchn_status(port[id]);
    if (!r && e)
      r = FAILF("close port %d: %s", port[id], sbi_strerror(e));
    else if (!r && (s.error || (s.value & 0xff) != EVTCHNSTAT_CLOSED))
      r = FAILF("port %d after close: error %ld status %ld", port[id], s.error, s.value & 0xff);
  }
  return r;
}

static char big[XS_RING_PAYLOAD_MAX + 1];

/* A watch event with token tw within ms, and its path ends with suffix. */
static int watch_fired(const char *suffix, uint64 ms) {
  char path[128];
  if (xs_watch_event("tw", path, sizeof path, deadline_ms(ms)) < 0)
    return 0;
  unsigned long n = strlen(path), k = strlen(suffix);
  return n >= k && strcmp(path + n - k, suffix) == 0;
}

static const char *store_basics(void) {
  char out[64];
  if (xs_write("data/test", "hello", out, sizeof out) < 0)
    return FAILF("write data/test: %s", out);
  int n = xs_read("data/test", out, sizeof out);
  if (n != 5 || strcmp(out, "hello") != 0)
    return FAILF("read data/test: %d \"%s\", want 5 \"hello\"", n, out);
  if (xs_rm("data/test", out, sizeof out) < 0)
    return FAILF("rm data/test: %s", out);
  if (xs_read("data/test", out, sizeof out) >= 0 || strcmp(out, "ENOENT") != 0)
    return FAILF("read data/test after rm: \"%s\", want ENOENT", out);
  if (xs_watch("data/watched", "tw", out, sizeof out) < 0)
    return FAILF("watch data/watched: %s", out);
  if (!watch_fired("data/watched", TIMEOUT_MS))
    return "the watch did not fire when registered";
  if (xs_write("data/watched", "1", out, sizeof out) < 0)
    return FAILF("write data/watched: %s", out);
  if (!watch_fired("data/watched", TIMEOUT_MS))
    return "the watch did not fire on a change";
  if (watch_fired("", 50))
    return "the watch fired twice for one change";
  if (xs_unwatch("data/watched", "tw", out, sizeof out) < 0 ||
      xs_rm("data/watched", out, sizeof out) < 0)
    return FAILF("unwatch or rm data/watched: %s", out);
  return 0;
}

static const char *store_big(void) {
  char path[64], out[64];
  int want = 0;
  for (int i = 0; i < 96; i++) {
    snprintf(path, sizeof path, "data/dir/node-with-a-long-name-%02d", i);
    if (xs_write(path, "x", out, sizeof out) < 0)
      return FAILF("write %s: %s", path, out);
    want += (int)strlen(path + 9) + 1;
  }
  int n = xs_directory("data/dir", big, sizeof big);
  int names = 0;
  for (int i = 0; i < n; i++)
    names += big[i] == 0;
  if (n != want || names != 96)
    return FAILF("directory data/dir: %d bytes, %d names; want %d bytes, 96 names", n, names, want);
  if (xs_rm("data/dir", out, sizeof out) < 0)
    return FAILF("rm data/dir: %s", out);
  memset(big, 'v', 1100);
  big[1100] = 0;
  if (xs_write("data/too-big", big, out, sizeof out) >= 0 || strcmp(out, "E2BIG") != 0)
    return FAILF("a 1100-byte request: \"%s\", want E2BIG", out);
  return 0;
}

static const char *t_store(void) {
  if (!xs_present())
    return "no ferry,store-ring in /hypervisor";
  uint32 intr = xs_nintr;
  const char *r = store_basics();
  if (!r)
    r = store_big();
  char out[64];
  if (!r && (xs_request(0x7ffe, "data", 0, 0, out, sizeof out) >= 0 || out[0] != 'E' ||
             strcmp(out, "ETIMEDOUT") == 0))
    r = FAILF("a request of unknown type 0x7ffe: \"%s\", want an error", out);
  if (!r && xs_nintr == intr)
    r = "replies came without a store upcall";
  return r;
}

int test_pv(int (*report)(const char *name, const char *why)) {
  report("evtchn", pv_present ? t_evtchn() : "skip: no PV extension");
  report("store", pv_present ? t_store() : "skip: no PV extension");
  return 0;
}
