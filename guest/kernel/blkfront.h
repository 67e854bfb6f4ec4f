/*
 * The block frontend's disks, shared by blkfront.c (the ring: requests, answers, suspend)
 * and blkfront-xs.c (the store: discovery, handshake, backend death). Fields are grouped
 * by what protects them.
 */
#ifndef BLKFRONT_H
#define BLKFRONT_H

#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "ferry-sbi.h"

#define RSZ BLKIF_RING_SIZE
#define ST_DEAD 0x7fff   /* a shadow's status when its disk died: not a BLKIF_STATUS */

/* D_INIT and D_RECONNECT: the handshake owns the ring, the upcall leaves it alone.
 * D_SUSPENDED: answers are taken, nothing is issued. D_DEAD: for good. */
enum { D_INIT, D_CONNECTED, D_SUSPENDED, D_RECONNECT, D_DEAD };

struct shadow {
  uint8 req[BLKIF_RING_SLOT_SIZE];   /* the request as pushed; its id is this slot's index */
  uint32 seq;                        /* issue order */
  uint8 busy;                        /* taken, until the issuer has the answer */
  uint8 done;                        /* answered (or failed): status is valid */
  int status;
};

struct disk {
  struct spinlock lock;
  char name[16], fe[32];   /* xvda; device/vbd/51712 (under the domain's home) */
  uint8 *ring;             /* its page */

  /* Under lock. */
  int state, port;
  int polling;             /* blkpoll is reading the store for it */
  uint32 prod, cons;       /* requests pushed, answers consumed (free-running) */
  uint32 nbusy, nextseq, nbad;
  struct shadow sh[RSZ];
  char dead[128];          /* why it died */

  /* Written by the handshake while nothing is issued (D_INIT, D_RECONNECT). */
  char be[64];             /* the backend's directory */
  uint64 sectors;
  int readonly, barrier, flush;
};

extern struct disk disks[NDISK];
extern int ndisks;

/* blkfront.c, under the disk's lock */
void blk_die(struct disk *d, const char *why);
void blk_consume(struct disk *d);
int blk_repush(struct disk *d);
/* blkfront.c */
void blk_intr(int port, void *arg);
/* blkfront-xs.c */
void blk_kick(void);
void blk_reconnect_all(void);

#endif
