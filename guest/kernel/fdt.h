/* What the kernel takes from the flattened device tree (fdt.c fills it once, at boot). */
#ifndef FDT_H
#define FDT_H

#include "param.h"
#include "types.h"

struct dtinfo {
  unsigned long dtb;            /* physical address of the blob (a1 at boot) */
  uint32 dtb_size;              /* its totalsize */
  const char *bootargs;         /* /chosen/bootargs, "" if absent */
  uint32 timebase;              /* /cpus timebase-frequency, Hz */
  uint64 ram_base, ram_size;    /* first region of the first /memory node */
  int nharts;                   /* usable harts: device_type "cpu", status okay, id < NCPU */
  unsigned long harts[NCPU];    /* their ids, in device-tree order */
  unsigned long max_hartid;     /* largest id of any cpu node (valid or not) */
  int all_have_h;               /* every usable hart's riscv,isa has the H extension */
  int has_hypervisor;           /* /hypervisor with compatible "ferry,hypervisor" */
  uint32 pv_extension;          /* its ferry,sbi-extension (0 if absent) */
  uint64 store_ring;            /* its ferry,store-ring: the store's ring page (0 if absent) */
  uint32 store_evtchn;          /* its ferry,store-evtchn: the store's event channel port */
  int has_reserved;             /* /reserved-memory has a child with a reg */
  uint64 reserved_base, reserved_size;
};

extern struct dtinfo dt;

#endif
