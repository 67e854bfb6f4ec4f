/*
 * The store client: xenstore's wire protocol over the ring page the device tree names
 * (/hypervisor ferry,store-ring) and its event channel (ferry,store-evtchn).
 *
 * The page has a request ring we produce into and a response ring the host produces
 * into, 1 KiB each, with free-running u32 indices (offset = index & 1023). A message is a
 * 16-byte header {type, req_id, tx_id, len} and len payload bytes. Producer: bytes first,
 * then the index with release ordering, then a send on the port. The host answers into
 * the response ring and raises the port; the upcall (xs_intr) copies bytes out as they
 * come (a message may arrive in pieces: up to 4 KiB of payload through a 1 KiB ring),
 * publishes rsp_cons and sends on the port so the host can write the rest.
 *
 * One request at a time (busy, a lock that yields): the requester waits, yielding, for
 * the reply with its req_id. Watch events (req_id 0) are queued for xs_watch_event.
 * Every wait has a deadline; a reply that comes after its requester gave up is dropped.
 * Relative paths name nodes under the domain's home, /local/domain/<id>.
 *
 * Requests also work before the dispatcher runs a thread (disp_start reads the store
 * before it starts the other CPUs): with no thread to yield to and interrupts off, the
 * waits poll the ring instead. Watches registered with xs_watch_kept are registered
 * again by xs_rewatch after a resume in a new domain, whose host may not have kept them.
 */
#include "types.h"
#include "cpu.h"
#include "defs.h"
#include "fdt.h"
#include "param.h"
#include "spinlock.h"

#define RING_MASK (XS_RING_SIZE - 1)
#define NWEV 8          /* watch events queued */
#define WEVPATH 128     /* longest watch event path kept */
#define WEVTOKEN 32

static volatile uint8 *ring;   /* 0: no store */
static int port;
static volatile int busy;      /* a request is in flight */
static struct spinlock xslock = {0, "xs", 0};   /* all below */

static uint8 in[XS_RING_HEADER + XS_RING_PAYLOAD_MAX];   /* the message being received */
static uint32 ingot;
static uint32 lastid;
static volatile uint32 want;   /* req_id awaited, 0 for none */
static volatile int done;
static uint32 rtype, rlen;
static char reply[XS_RING_PAYLOAD_MAX + 1];
static struct { char path[WEVPATH], token[WEVTOKEN]; } wev[NWEV];
static uint32 whead, wtail;    /* whead - wtail events queued */

volatile uint32 xs_nintr;      /* store upcalls taken */
volatile uint32 xs_nlost;      /* watch events dropped: queue full or malformed */

#define NKEPT 4
static struct { const char *path, *token; } kept[NKEPT];   /* for xs_rewatch */
static volatile int nkept;     /* entries before it are complete (release/acquire) */

static volatile uint32 *index_at(int off) {
  return (volatile uint32 *)(ring + off);
}

static uint32 le32(const uint8 *p) {
  return p[0] | (uint32)p[1] << 8 | (uint32)p[2] << 16 | (uint32)p[3] << 24;
}

static void copystr(char *dst, int n, const char *src, int len) {
  if (n <= 0)
    return;
  if (len > n - 1)
    len = n - 1;
  memcpy(dst, src, len);
  dst[len] = 0;
}

/* A complete message is in in[]. Under xslock. */
static void deliver(void) {
  uint32 type = le32(in), id = le32(in + 4), len = le32(in + 12);
  const char *p = (const char *)in + XS_RING_HEADER;
  if (type == XS_WATCH_EVENT) {
    uint32 n1 = 0;
    while (n1 < len && p[n1])
      n1++;
    uint32 n2 = n1 + 1;
    while (n2 < len && p[n2])
      n2++;
    if (n2 >= len || whead - wtail == NWEV) {
      xs_nlost++;
      return;
    }
    copystr(wev[whead % NWEV].path, WEVPATH, p, n1);
    copystr(wev[whead % NWEV].token, WEVTOKEN, p + n1 + 1, n2 - n1 - 1);
    whead++;
    wakeup(&whead);
  } else if (want != 0 && id == want && !done) {
    rtype = type;
    rlen = len;
    memcpy(reply, p, len);
    reply[len] = 0;
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
  }
}

/* The store port's handler (arg 0), and the waiter's fallback poll (arg 1): takes what
 * the host wrote, then tells it there is room again. */
static void xs_intr(int p, void *arg) {
  (void)p;
  int took = 0;
  acquire(&xslock);
  if (!arg)
    xs_nintr++;
  for (;;) {
    uint32 cons = *index_at(XS_RING_RSP_CONS);
    uint32 prod = __atomic_load_n(index_at(XS_RING_RSP_PROD), __ATOMIC_ACQUIRE);
    if (cons == prod)
      break;
    if (prod - cons > XS_RING_SIZE)
      panic("xs: response ring indices %u/%u", cons, prod);
    while (cons != prod) {
      in[ingot++] = ring[XS_RING_RSP + (cons++ & RING_MASK)];
      if (ingot == XS_RING_HEADER && le32(in + 12) > XS_RING_PAYLOAD_MAX)
        panic("xs: a response of %u bytes", le32(in + 12));
      if (ingot >= XS_RING_HEADER && ingot == XS_RING_HEADER + le32(in + 12)) {
        deliver();
        ingot = 0;
      }
    }
    __atomic_store_n(index_at(XS_RING_RSP_CONS), cons, __ATOMIC_RELEASE);
    took = 1;
  }
  release(&xslock);
  if (took)
    evtchn_send(port);
}

/* With PV present, once at dispatcher start: finds the ring and takes the port. */
void xsinit(void) {
  if (!dt.store_ring)
    return;
  ring = (volatile uint8 *)(unsigned long)dt.store_ring;
  port = (int)dt.store_evtchn;
  struct sbiret s = pv_evtchn_status(port);
  evtchn_handle(port, s.error ? 0 : (int)((s.value >> 8) & 0xff), xs_intr, 0);
}

int xs_present(void) {
  return ring != 0;
}

/* What a request does while it waits: let other threads run, or, before there are any
 * (interrupts are off then, so no upcall comes), look at the ring itself. */
static void relax(void) {
  if (curthread())
    yield();
  else
    xs_intr(port, (void *)1);
}

static void put(uint32 *prod, const void *src, uint32 n) {
  for (uint32 i = 0; i < n; i++)
    ring[XS_RING_REQ + ((*prod)++ & RING_MASK)] = ((const uint8 *)src)[i];
}

/* Sends one request: payload = a with its NUL, then blen bytes of b. Returns the reply's
 * length with the reply (NUL-terminated) in out; or -1 with the error in out: the
 * store's ("ENOENT", ...) or "ETIMEDOUT", "E2BIG", "ENODEV", "EPROTO". */
int xs_request(uint32 type, const char *a, const void *b, int blen, char *out, int outlen) {
  uint32 alen = (uint32)strlen(a) + 1, len = alen + (uint32)blen;
  const char *err = 0;
  if (!ring || len > XS_RING_SIZE - XS_RING_HEADER) {   /* the host takes a request whole */
    err = ring ? "E2BIG" : "ENODEV";
    copystr(out, outlen, err, (int)strlen(err));
    return -1;
  }
  while (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
    relax();
  uint64 deadline = deadline_ms(TIMEOUT_MS), poll = deadline_ms(100);
  uint32 prod = *index_at(XS_RING_REQ_PROD);
  while (XS_RING_SIZE - (prod - __atomic_load_n(index_at(XS_RING_REQ_CONS), __ATOMIC_ACQUIRE)) <
         XS_RING_HEADER + len) {
    if (expired(deadline)) {
      err = "ETIMEDOUT";
      goto out;
    }
    relax();
  }
  acquire(&xslock);
  want = ++lastid ? lastid : ++lastid;
  done = 0;
  uint32 hdr[4] = {type, want, 0, len};   /* RISC-V is little-endian, like the wire */
  release(&xslock);
  put(&prod, hdr, sizeof hdr);
  put(&prod, a, alen);
  put(&prod, b, (uint32)blen);
  __atomic_store_n(index_at(XS_RING_REQ_PROD), prod, __ATOMIC_RELEASE);
  evtchn_send(port);
  while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
    if (expired(deadline)) {
      err = "ETIMEDOUT";
      break;
    }
    if (expired(poll)) {   /* an upcall lost? look ourselves, then every 100 ms */
      xs_intr(port, (void *)1);
      poll = deadline_ms(100);
    }
    relax();
  }
  acquire(&xslock);
  want = 0;
  release(&xslock);
  if (!err && rtype == XS_ERROR)
    err = reply;
  else if (!err && rtype != type)
    err = "EPROTO";
  else if (!err && (int)rlen > outlen - 1)
    err = "E2BIG";
out:
  if (err)
    copystr(out, outlen, err, (int)strlen(err));
  else
    copystr(out, outlen, reply, (int)rlen);
  __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
  return err ? -1 : (int)rlen;
}

int xs_read(const char *path, char *out, int n) {
  return xs_request(XS_READ, path, 0, 0, out, n);
}
int xs_write(const char *path, const char *value, char *out, int n) {
  return xs_request(XS_WRITE, path, value, (int)strlen(value), out, n);
}
int xs_directory(const char *path, char *out, int n) {
  return xs_request(XS_DIRECTORY, path, 0, 0, out, n);
}
int xs_rm(const char *path, char *out, int n) {
  return xs_request(XS_RM, path, 0, 0, out, n);
}
int xs_watch(const char *path, const char *token, char *out, int n) {
  return xs_request(XS_WATCH, path, token, (int)strlen(token) + 1, out, n);
}
int xs_unwatch(const char *path, const char *token, char *out, int n) {
  return xs_request(XS_UNWATCH, path, token, (int)strlen(token) + 1, out, n);
}

/* xs_watch, and xs_rewatch registers it again after every resume in a new domain. path
 * and token must stay valid for ever (string literals). No resume may come between the
 * registration and the note that it must be redone: the suspend thread registers its
 * own before it serves a request, any other thread holds suspend_block. */
int xs_watch_kept(const char *path, const char *token, char *out, int n) {
  if (xs_watch(path, token, out, n) < 0)
    return -1;
  acquire(&xslock);
  int i = nkept;
  if (i == NKEPT)
    panic("xs: more than %d kept watches", NKEPT);
  kept[i].path = path;
  kept[i].token = token;
  __atomic_store_n(&nkept, i + 1, __ATOMIC_RELEASE);
  release(&xslock);
  return 0;
}

/* After a resume in a new domain: every kept watch is removed (an error if the host did
 * not keep it) and registered again, so it fires once, as when it was first registered.
 * Returns -1 with the first error, or 0. */
int xs_rewatch(char *out, int n) {
  for (int i = 0; i < __atomic_load_n(&nkept, __ATOMIC_ACQUIRE); i++) {
    xs_unwatch(kept[i].path, kept[i].token, out, n);
    if (xs_watch(kept[i].path, kept[i].token, out, n) < 0)
      return -1;
  }
  return 0;
}

/* Takes the oldest queued watch event with this token: 0 with its path, or -1 at the
 * deadline. deadline ~0 waits for ever, asleep until the upcall queues an event. */
int xs_watch_event(const char *token, char *path, int pathlen, uint64 deadline) {
  acquire(&xslock);
  for (;;) {
    for (uint32 i = wtail; i != whead; i++) {
      if (strcmp(wev[i % NWEV].token, token) != 0)
        continue;
      copystr(path, pathlen, wev[i % NWEV].path, (int)strlen(wev[i % NWEV].path));
      for (; i + 1 != whead; i++)
        wev[i % NWEV] = wev[(i + 1) % NWEV];
      whead--;
      release(&xslock);
      return 0;
    }
    if (deadline == ~0ULL) {
      sleep(&whead, &xslock);
      continue;
    }
    release(&xslock);
    if (expired(deadline))
      return -1;
    yield();
    acquire(&xslock);
  }
}
