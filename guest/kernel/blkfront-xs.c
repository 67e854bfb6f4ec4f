/*
 * The block frontend's store side (docs/block-device.md "Store"): finding the disks, the
 * handshake with each backend, and noticing a backend that stopped. blkfront.c has the ring.
 *
 * Disks are the entries of device/vbd (at most NDISK, in device id order, so xvda is disk
 * 0). Each gets a ring page of bss and a port unbound to domain 0, and the handshake: wait
 * for the backend in InitWait, zero the ring, write ring-ref, event-channel and state
 * Initialised, wait for Connected, read sectors, info and the features, write Connected.
 * Every wait has a TIMEOUT_MS deadline; a disk that cannot connect is kept, dead, and
 * every request to it fails saying why.
 *
 * A backend that stops (the host killed it, or it found our ring broken) goes to Closing
 * or Closed, with `error` saying why. The thread "blkpoll" reads the backend state of each
 * disk with requests out every BLK_POLL_MS; once it is Closing or Closed, every request
 * out and every later one fails with "backend closed: <error>". Why a poll and not a
 * watch: a watch would need a kept watch per disk (xs.c keeps 4 for the whole kernel), a
 * path that stays right across a migration (the backend's path names our domain id, which
 * changes) and an event queue that never overflows (xs.c drops events when its 8 slots
 * are full). The poll needs none of these, costs one store read per busy disk per round,
 * and nothing while the disks are idle: blkpoll sleeps until a disk gets busy. Each round
 * also takes answers itself, should an upcall have been lost.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "spinlock.h"
#include "blkfront.h"

static __attribute__((aligned(4096))) uint8 rings[NDISK][4096];
static struct spinlock plock = {0, "blkpoll", 0};
static int pkick;   /* under plock: a disk got requests out */

static int rd(const char *dir, const char *key, char *out, int n, char *why, int wl) {
  char path[96];
  snprintf(path, sizeof path, "%s/%s", dir, key);
  if (xs_read(path, out, n) < 0)
    return snprintf(why, wl, "read %s: %s", path, out), -1;
  return 0;
}

static int wr(const char *dir, const char *key, const char *val, char *why, int wl) {
  char path[96], out[64];
  snprintf(path, sizeof path, "%s/%s", dir, key);
  if (xs_write(path, val, out, sizeof out) < 0)
    return snprintf(why, wl, "write %s: %s", path, out), -1;
  return 0;
}

/* A decimal number, as the store holds them: 0, or -1 if s is not one. */
static int number(const char *s, uint64 *v) {
  *v = 0;
  for (int i = 0; s[i]; i++)
    if (s[i] < '0' || s[i] > '9' || i > 18)
      return -1;
    else
      *v = *v * 10 + (uint64)(s[i] - '0');
  return s[0] ? 0 : -1;
}

static int rdnum(const char *dir, const char *key, uint64 *v, char *why, int wl) {
  char s[32];
  if (rd(dir, key, s, sizeof s, why, wl) < 0)
    return -1;
  if (number(s, v) < 0)
    return snprintf(why, wl, "%s/%s = \"%s\" is not a number", dir, key, s), -1;
  return 0;
}

static int wait_state(struct disk *d, int want, char *why, int wl) {
  uint64 deadline = deadline_ms(TIMEOUT_MS), s = 0;
  for (;;) {
    char w[96], e[80];
    int ok = rdnum(d->be, "state", &s, w, sizeof w) == 0;
    if (ok && s == (uint64)want)
      return 0;
    if (ok && want == XENBUS_STATE_CONNECTED && s >= XENBUS_STATE_CLOSING)
      return snprintf(why, wl, "backend went to state %llu: %s", s,
                      rd(d->be, "error", e, sizeof e, w, sizeof w) < 0 ? "no error given" : e),
             -1;
    if (expired(deadline)) {
      if (ok)
        snprintf(w, sizeof w, "state %llu", s);
      return snprintf(why, wl, "backend %s: %s after %d ms, want state %d", d->be, w,
                      TIMEOUT_MS, want), -1;
    }
    thread_delay_ms(5);
  }
}

/* Steps 2 and 4 of the handshake, from a thread, in D_INIT or D_RECONNECT (the upcall
 * leaves the ring alone). 0, or -1 with why; a port it took is in d->port. */
static int handshake(struct disk *d, char *why, int wl) {
  char v[64];
  uint64 x;
  if (rd(d->fe, "backend", v, sizeof v, why, wl) < 0)
    return -1;
  snprintf(d->be, sizeof d->be, "%s", v);   /* a restore may name another backend */
  if (wait_state(d, XENBUS_STATE_INIT_WAIT, why, wl) < 0)
    return -1;
  memset(d->ring, 0, 4096);
  struct sbiret r = pv_evtchn_alloc_unbound(0);
  if (r.error)
    return snprintf(why, wl, "alloc_unbound: %s", sbi_strerror(r.error)), -1;
  struct sbiret s = pv_evtchn_status((int)r.value);   /* the vCPU it notifies */
  evtchn_handle((int)r.value, s.error ? 0 : (int)((s.value >> 8) & 0xff), blk_intr, d);
  acquire(&d->lock);
  d->port = (int)r.value;
  release(&d->lock);
  snprintf(v, sizeof v, "%lu", (unsigned long)d->ring >> 12);   /* paging off: gpa = va */
  if (wr(d->fe, "ring-ref", v, why, wl) < 0)
    return -1;
  snprintf(v, sizeof v, "%d", d->port);
  if (wr(d->fe, "event-channel", v, why, wl) < 0 || wr(d->fe, "state", "3", why, wl) < 0 ||
      wait_state(d, XENBUS_STATE_CONNECTED, why, wl) < 0 ||
      rdnum(d->be, "sectors", &d->sectors, why, wl) < 0)
    return -1;
  if (rdnum(d->be, "sector-size", &x, v, sizeof v) == 0 && x != BLKIF_SECTOR_SIZE)
    return snprintf(why, wl, "sector-size %llu, not %d", x, BLKIF_SECTOR_SIZE), -1;
  d->readonly = rdnum(d->be, "info", &x, v, sizeof v) == 0 && (x & VDISK_READONLY);
  d->barrier = rdnum(d->be, "feature-barrier", &x, v, sizeof v) == 0 && x;
  d->flush = rdnum(d->be, "feature-flush-cache", &x, v, sizeof v) == 0 && x;
  return wr(d->fe, "state", "4", why, wl);
}

/* A handshake failed: the disk is kept, dead, so that its users see why. */
static void failed(struct disk *d, const char *what, const char *why) {
  char msg[140];
  snprintf(msg, sizeof msg, "%s%s", what, why);
  acquire(&d->lock);
  blk_die(d, msg);
  int port = d->port;
  d->port = 0;
  release(&d->lock);
  if (port)
    evtchn_close(port);
  printf("# blk: %s: %s\n", d->name, msg);
}

/* Wakes blkpoll: a disk has requests out. Callers may hold a disk's lock. */
void blk_kick(void) {
  acquire(&plock);
  pkick = 1;
  wakeup(&pkick);
  release(&plock);
}

/* One disk's poll; returns whether it still has requests out. */
static int poll(struct disk *d) {
  uint64 s = 0;
  char err[80], w[96], msg[120];
  acquire(&d->lock);
  if (d->state != D_CONNECTED || d->nbusy == 0) {
    release(&d->lock);
    return 0;
  }
  blk_consume(d);
  d->polling = 1;   /* blk_suspend waits for it to go */
  release(&d->lock);
  int closed = rdnum(d->be, "state", &s, w, sizeof w) == 0 && s >= XENBUS_STATE_CLOSING;
  if (closed) {
    if (rd(d->be, "error", err, sizeof err, w, sizeof w) < 0)
      snprintf(err, sizeof err, "state %llu, no error given", s);
    wr(d->fe, "state", "6", w, sizeof w);   /* as Linux: the backend closed, so do we */
  }
  acquire(&d->lock);
  d->polling = 0;
  wakeup(&d->polling);
  if (closed) {
    snprintf(msg, sizeof msg, "backend closed: %s", err);
    blk_die(d, msg);
  }
  int busy = d->state == D_CONNECTED && d->nbusy;
  release(&d->lock);
  if (closed)
    printf("# blk: %s: %s\n", d->name, msg);
  return busy;
}

static void poller(void *arg) {
  (void)arg;
  for (;;) {
    acquire(&plock);
    while (!pkick)
      sleep(&pkick, &plock);
    pkick = 0;
    release(&plock);
    for (int busy = 1; busy;) {
      thread_delay_ms(BLK_POLL_MS);
      busy = 0;
      for (int i = 0; i < ndisks; i++)
        busy |= poll(&disks[i]);
    }
  }
}

/* With PV and a store, from the first thread, before any user of the disks. */
void blkinit(void) {
  char names[256], why[120];
  uint64 ids[NDISK];
  int n = 0, len = xs_directory("device/vbd", names, sizeof names);
  if (len < 0 && strcmp(names, "ENOENT") != 0)
    printf("# blk: directory device/vbd: %s\n", names);
  for (int i = 0; i < len; i += (int)strlen(names + i) + 1) {
    uint64 v;
    if (number(names + i, &v) < 0 || n == NDISK) {
      printf("# blk: device/vbd/%s ignored: %s\n", names + i,
             n == NDISK ? "too many disks" : "not a device id");
      continue;
    }
    int k = n++;
    for (; k > 0 && ids[k - 1] > v; k--)
      ids[k] = ids[k - 1];
    ids[k] = v;
  }
  for (int i = 0; i < n; i++) {
    struct disk *d = &disks[i];
    uint64 x = ids[i] - (202 << 8);   /* Xen's numbering: (202 << 8) | (index << 4) */
    initlock(&d->lock, "blk");
    if (ids[i] >= (202 << 8) && x % 16 == 0 && x / 16 < 26)
      snprintf(d->name, sizeof d->name, "xvd%c", 'a' + (int)(x / 16));
    else
      snprintf(d->name, sizeof d->name, "vbd%llu", ids[i]);
    snprintf(d->fe, sizeof d->fe, "device/vbd/%llu", ids[i]);
    d->ring = rings[i];
    if (handshake(d, why, sizeof why) < 0) {
      failed(d, "", why);
      continue;
    }
    acquire(&d->lock);
    d->state = D_CONNECTED;
    release(&d->lock);
    printf("# blk: %s: %llu sectors, %s%s%s\n", d->name, d->sectors, d->readonly ? "ro" : "rw",
           d->barrier ? ", barrier" : "", d->flush ? ", flush" : "");
  }
  ndisks = n;
  if (n && !thread_create("blkpoll", poller, 0))
    panic("blk: no thread");
}

/* In a new domain, from blk_resume: every old port is closed first (so no new port can take
 * an old one's number before it is closed), then each disk goes back to Initialising,
 * redoes the handshake (the backend may be another host's) and pushes its requests again. */
void blk_reconnect_all(void) {
  char why[120];
  for (int i = 0; i < ndisks; i++) {
    struct disk *d = &disks[i];
    acquire(&d->lock);
    int old = d->port, was = d->state;
    if (was == D_SUSPENDED) {
      d->state = D_RECONNECT;
      d->port = 0;
    }
    release(&d->lock);
    struct sbiret s = pv_evtchn_status(old);
    if (was == D_SUSPENDED && !s.error && (s.value & 0xff) == EVTCHNSTAT_UNBOUND)
      evtchn_close(old);   /* still ours: the port table travels with the domain */
  }
  for (int i = 0; i < ndisks; i++) {
    struct disk *d = &disks[i];
    if (d->state != D_RECONNECT)
      continue;   /* dead */
    if (wr(d->fe, "state", "1", why, sizeof why) < 0 || handshake(d, why, sizeof why) < 0) {
      failed(d, "reconnect: ", why);
      continue;
    }
    acquire(&d->lock);
    int n = blk_repush(d);
    release(&d->lock);
    printf("# blk: %s: reconnected, %d request%s issued again\n", d->name, n, n == 1 ? "" : "s");
  }
}
