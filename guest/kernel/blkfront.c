/*
 * The block frontend's ring (docs/block-device.md "Ring"): requests, answers, suspend.
 * blkfront-xs.c finds the disks and connects them.
 *
 * A request (blk_rw, from a thread) takes a slot of its disk's shadow table, whose index
 * is the request's id. The slot keeps the request as pushed and its issue order until the
 * issuer has taken the answer, so that a resume in a new domain can push every unanswered
 * request again, in order. Requests are published with release ordering before req_prod,
 * then the frontend sends on its port. The upcall (or blkpoll, should an upcall be lost)
 * reads rsp_prod with acquire ordering, takes the answers and wakes their issuers. An
 * answer naming a slot that waits for none, or for another operation, is counted and
 * dropped: nothing read from the ring is trusted. At most RSZ requests are ever out, one
 * per slot, so req_prod - rsp_prod never exceeds the ring (the backend's check).
 *
 * Suspend (suspend.c): blk_suspend stops issuing (issuers wait; requests out stay in the
 * shadow table, answers are still taken); blk_resume(0), after a cancel, goes on with the
 * same ring and sends on the port once; blk_resume(1), in a new domain, reconnects
 * (blkfront-xs.c) and blk_repush pushes the unanswered requests to the new ring.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "param.h"
#include "spinlock.h"
#include "blkfront.h"

struct disk disks[NDISK];
int ndisks;   /* set once by blkinit, before any user */

/* Fails every request out and every later one with why. */
void blk_die(struct disk *d, const char *why) {
  if (d->state == D_DEAD)
    return;
  d->state = D_DEAD;
  snprintf(d->dead, sizeof d->dead, "%s", why);
  for (int i = 0; i < RSZ; i++)
    if (d->sh[i].busy && !d->sh[i].done) {
      d->sh[i].status = ST_DEAD;
      d->sh[i].done = 1;
      wakeup(&d->sh[i]);
    }
  wakeup(&d->nbusy);
}

/* Takes every answer the backend has published. */
void blk_consume(struct disk *d) {
  uint32 rp = __atomic_load_n((uint32 *)(d->ring + BLKIF_RING_RSP_PROD), __ATOMIC_ACQUIRE);
  if (rp - d->cons > d->prod - d->cons) {
    char why[80];
    snprintf(why, sizeof why, "backend broken: rsp_prod %u beyond req_prod %u", rp, d->prod);
    blk_die(d, why);
    return;
  }
  for (; d->cons != rp; d->cons++) {
    uint8 *r = d->ring + BLKIF_RING_SLOTS + (d->cons % RSZ) * BLKIF_RING_SLOT_SIZE;
    uint64 id;
    short st;   /* RISC-V is little-endian, like the ring */
    memcpy(&id, r + BLKIF_RSP_ID, sizeof id);
    memcpy(&st, r + BLKIF_RSP_STATUS, sizeof st);
    struct shadow *s = id < RSZ ? &d->sh[id] : 0;
    if (!s || !s->busy || s->done || r[BLKIF_RSP_OPERATION] != s->req[BLKIF_REQ_OPERATION]) {
      d->nbad++;
      continue;
    }
    s->status = st;
    s->done = 1;
    wakeup(s);
  }
}

/* The port's handler, in the upcall with interrupts off. */
void blk_intr(int port, void *arg) {
  struct disk *d = arg;
  (void)port;
  acquire(&d->lock);
  if (d->state == D_CONNECTED || d->state == D_SUSPENDED)
    blk_consume(d);
  release(&d->lock);
}

/* Under lock: the request into its ring slot, then req_prod (release: the bytes first). */
static void push(struct disk *d, struct shadow *s) {
  memcpy(d->ring + BLKIF_RING_SLOTS + (d->prod % RSZ) * BLKIF_RING_SLOT_SIZE, s->req,
         BLKIF_RING_SLOT_SIZE);
  d->prod++;
  __atomic_store_n((uint32 *)(d->ring + BLKIF_RING_REQ_PROD), d->prod, __ATOMIC_RELEASE);
}

/* Under lock, after a reconnect to a zeroed ring: every unanswered request again, oldest
 * first, then the disk is usable. Returns how many went again. */
int blk_repush(struct disk *d) {
  int n = 0;
  uint8 again[RSZ];
  memset(again, 0, sizeof again);
  d->prod = d->cons = 0;
  for (;;) {
    struct shadow *o = 0;
    for (int i = 0; i < RSZ; i++) {
      struct shadow *x = &d->sh[i];
      if (x->busy && !x->done && !again[i] &&
          (!o || d->nextseq - x->seq > d->nextseq - o->seq))   /* older */
        o = x;
    }
    if (!o)
      break;
    again[o - d->sh] = 1;
    push(d, o);
    n++;
  }
  d->state = D_CONNECTED;
  pv_evtchn_send(d->port);
  if (d->nbusy)
    blk_kick();
  wakeup(&d->nbusy);
  return n;
}

/* Fills s->req, checking what the backend would refuse. Under lock, connected. */
static int build(struct disk *d, struct shadow *s, int op, uint64 sector, void *buf, int nsect,
                 char *why, int wl) {
  unsigned long a = (unsigned long)buf;   /* paging is off: guest physical */
  int data = op != BLKIF_OP_FLUSH_DISKCACHE && nsect > 0, nseg = 0;
  if (op < BLKIF_OP_READ || op > BLKIF_OP_FLUSH_DISKCACHE)
    return snprintf(why, wl, "unknown operation %d", op), -1;
  if ((op == BLKIF_OP_WRITE_BARRIER && !d->barrier) ||
      (op == BLKIF_OP_FLUSH_DISKCACHE && !d->flush))
    return snprintf(why, wl, "operation %d not offered by the backend", op), -1;
  if ((op == BLKIF_OP_WRITE || op == BLKIF_OP_WRITE_BARRIER) && d->readonly)
    return snprintf(why, wl, "read-only disk"), -1;
  if (nsect < 0 || (nsect == 0 && op <= BLKIF_OP_WRITE) ||
      (nsect && op == BLKIF_OP_FLUSH_DISKCACHE))
    return snprintf(why, wl, "%d sectors for operation %d", nsect, op), -1;
  if (data && (a % BLKIF_SECTOR_SIZE || sector > d->sectors || nsect > d->sectors - sector))
    return snprintf(why, wl, "%d sectors at %llu from %p: outside the disk (%llu sectors) or "
                    "not sector-aligned", nsect, sector, buf, d->sectors), -1;
  memset(s->req, 0, sizeof s->req);
  for (int left = data ? nsect : 0; left > 0; nseg++) {
    if (nseg == BLKIF_REQ_SEGMENTS_MAX)
      return snprintf(why, wl, "%d sectors from %p need over %d segments", nsect, buf, nseg),
             -1;
    int first = (int)(a % 4096) / BLKIF_SECTOR_SIZE, n = 8 - first < left ? 8 - first : left;
    uint8 *sg = s->req + BLKIF_REQ_SEGMENTS + nseg * BLKIF_REQ_SEGMENT_SIZE;
    uint32 gfn = (uint32)(a >> 12);
    memcpy(sg + BLKIF_REQ_SEG_GFN, &gfn, sizeof gfn);
    sg[BLKIF_REQ_SEG_FIRST_SECT] = (uint8)first;
    sg[BLKIF_REQ_SEG_LAST_SECT] = (uint8)(first + n - 1);
    a += (unsigned long)n * BLKIF_SECTOR_SIZE;
    left -= n;
  }
  uint64 id = (uint64)(s - d->sh), sec = data ? sector : 0;
  s->req[BLKIF_REQ_OPERATION] = (uint8)op;
  s->req[BLKIF_REQ_NR_SEGMENTS] = (uint8)nseg;
  memcpy(s->req + BLKIF_REQ_ID, &id, sizeof id);
  memcpy(s->req + BLKIF_REQ_SECTOR_NUMBER, &sec, sizeof sec);
  return 0;
}

/* One request, from a thread: op on nsect sectors from sector, to or from buf (sector-
 * aligned, touching at most 11 pages; no sectors for FLUSH_DISKCACHE, none or some for
 * WRITE_BARRIER). Sleeps until a slot is free and the disk connected, then until the
 * answer. 0, or -1 with why. */
int blk_rw(int dn, int op, uint64 sector, void *buf, int nsect, char *why, int wl) {
  if (dn < 0 || dn >= ndisks)
    return snprintf(why, wl, "no disk %d", dn), -1;
  struct disk *d = &disks[dn];
  struct shadow *s = 0;
  acquire(&d->lock);
  while (d->state != D_DEAD && !s) {
    for (int i = 0; i < RSZ && d->state == D_CONNECTED && !s; i++)
      s = d->sh[i].busy ? 0 : &d->sh[i];
    if (!s)
      sleep(&d->nbusy, &d->lock);   /* a free slot, a resume, or death */
  }
  if (!s || build(d, s, op, sector, buf, nsect, why, wl) < 0) {
    if (!s)
      snprintf(why, wl, "%s", d->dead);
    release(&d->lock);
    return -1;
  }
  s->seq = d->nextseq++;
  s->busy = 1;
  s->done = 0;
  if (d->nbusy++ == 0)
    blk_kick();   /* blkpoll watches the backend while requests are out */
  push(d, s);
  /* The send waits for the host: made under the lock it would keep the upcall and every
   * other issuer spinning for that long. Outside it, a resume may change the port first;
   * the old number then gets one spurious send (refused, or an event nobody waits for),
   * and the request, unanswered, is pushed again to the new ring. */
  int port = d->port;
  release(&d->lock);
  pv_evtchn_send(port);
  acquire(&d->lock);
  while (!s->done)
    sleep(s, &d->lock);
  int st = s->status;
  s->busy = 0;
  d->nbusy--;
  wakeup(&d->nbusy);
  if (st == ST_DEAD)
    snprintf(why, wl, "%s", d->dead);
  else if (st == BLKIF_STATUS_ERROR)
    snprintf(why, wl, "I/O error");
  else if (st == BLKIF_STATUS_EOPNOTSUPP)
    snprintf(why, wl, "operation not supported");
  else if (st != BLKIF_STATUS_OKAY)
    snprintf(why, wl, "status %d", st);
  release(&d->lock);
  return st == BLKIF_STATUS_OKAY ? 0 : -1;
}

static struct disk *disk(int dn) {
  if (dn < 0 || dn >= ndisks)
    panic("blk: no disk %d", dn);
  return &disks[dn];
}

int blk_ndisks(void) { return ndisks; }
const char *blk_name(int dn) { return disk(dn)->name; }
uint64 blk_sectors(int dn) { return disk(dn)->sectors; }
int blk_readonly(int dn) { return disk(dn)->readonly; }
uint32 blk_nbad(int dn) { return disk(dn)->nbad; }

/* -1 with why if the disk died (or never connected), else 0. */
int blk_error(int dn, char *why, int wl) {
  struct disk *d = disk(dn);
  acquire(&d->lock);
  int dead = d->state == D_DEAD;
  if (dead)
    snprintf(why, wl, "%s", d->dead);
  release(&d->lock);
  return dead ? -1 : 0;
}

/* suspend_devices: nothing is issued from now on (answers are still taken). Waits for a
 * poll under way, so that no store request of ours spans the suspend. */
void blk_suspend(void) {
  for (int i = 0; i < ndisks; i++) {
    struct disk *d = &disks[i];
    acquire(&d->lock);
    if (d->state == D_CONNECTED)
      d->state = D_SUSPENDED;
    while (d->polling)
      sleep(&d->polling, &d->lock);
    release(&d->lock);
  }
}

/* resume_devices, in the suspend thread: fresh = 0 after a cancel (same ring and
 * backend), 1 in a new domain (the old ring is forgotten). */
void blk_resume(int fresh) {
  if (fresh) {
    blk_reconnect_all();
    return;
  }
  for (int i = 0; i < ndisks; i++) {
    struct disk *d = &disks[i];
    acquire(&d->lock);
    if (d->state == D_SUSPENDED) {
      d->state = D_CONNECTED;
      blk_consume(d);   /* answers may have come while interrupts were off */
      pv_evtchn_send(d->port);
      if (d->nbusy)
        blk_kick();
      wakeup(&d->nbusy);
    }
    release(&d->lock);
  }
}
