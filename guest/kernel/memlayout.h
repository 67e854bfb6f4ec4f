/*
 * Physical memory as the kernel sees it (paging stays off; virtual = physical). RAM base
 * and size come from the device tree's /memory node; the rest is fixed by the link script
 * (kernel.ld) and by where the firmware put the device tree.
 *
 *   ram_base   0x8000_0000  RAM. On QEMU, OpenSBI lives below KERNBASE (its first
 *                           512 KiB are PMP-protected and listed under /reserved-memory);
 *                           on Ferry all of RAM is the domain's.
 *   KERNBASE   0x8020_0000  _entry; kernel text, rodata, data
 *                           bss: cpus[] (NCPU x CPU_STRIDE), kernel stacks (NCPU x
 *                           KSTACKSIZE), resume stacks, thread stacks (NTHREAD x
 *                           TSTACKSIZE): about 3.5 MiB with 64 CPUs
 *   end                     first byte after the image (linker symbol)
 *   PGROUNDUP(end)          free RAM; test=memwrite writes pages= pages from here
 *     ...
 *   dtb                     flattened device tree (a1 at boot), near the top of RAM:
 *                           read, never written
 *   ram_base + ram_size     end of RAM; the SBI tests use addresses at or past it as
 *                           "outside RAM"
 */
#ifndef MEMLAYOUT_H
#define MEMLAYOUT_H

#define KERNBASE 0x80200000UL
#define PGSIZE 4096UL
#define PGROUNDUP(a) (((a) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) ((a) & ~(PGSIZE - 1))

#endif
