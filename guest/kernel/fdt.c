/*
 * A small flattened-device-tree reader (Devicetree Specification v0.4, chapter 5).
 *
 * The blob is a header, a structure block of 32-bit big-endian tokens (BEGIN_NODE name,
 * PROP len nameoff value, END_NODE, NOP, END), and a strings block of property names.
 * A node is named here by the offset of its BEGIN_NODE token in the structure block.
 * Every read is bounds-checked against the header, so a corrupt blob gives a panic with a
 * reason rather than a wild access. fdtinit() extracts what the kernel uses into dt.
 */
#include "types.h"
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

struct dtinfo dt;

static const uint8 *blob;
static uint32 off_struct, size_struct, off_strings, size_strings;

static uint32 be32(const uint8 *p) {
  return (uint32)p[0] << 24 | (uint32)p[1] << 16 | (uint32)p[2] << 8 | p[3];
}

/* The token at structure offset off, FDT_END if off is outside the block. */
static uint32 token(int off) {
  if (off < 0 || (uint32)off + 4 > size_struct)
    return FDT_END;
  return be32(blob + off_struct + off);
}

static const char *sptr(int off) {
  return (const char *)blob + off_struct + off;
}

/* Offset just past the NUL-terminated string at structure offset off, 4-byte aligned;
 * -1 if the string runs off the block. */
static int skip_string(int off) {
  while ((uint32)off < size_struct && blob[off_struct + off] != 0)
    off++;
  if ((uint32)off >= size_struct)
    return -1;
  return (off + 1 + 3) & ~3;
}

/* Offset of the token after the one at off (BEGIN_NODE: after the name; PROP: after the
 * value). -1 on a malformed block. */
static int next_token(int off) {
  switch (token(off)) {
  case FDT_BEGIN_NODE:
    return skip_string(off + 4);
  case FDT_PROP: {
    if ((uint32)off + 12 > size_struct)
      return -1;
    uint32 len = be32(blob + off_struct + off + 4);
    if (len > size_struct - (uint32)off - 12)
      return -1;
    return (int)((off + 12 + len + 3) & ~3U);
  }
  case FDT_END_NODE:
  case FDT_NOP:
    return off + 4;
  default:
    return -1;
  }
}

/* Offset just past the END_NODE that closes the node at off; -1 if malformed. */
static int skip_node(int off) {
  int depth = 0;
  while (off >= 0) {
    uint32 t = token(off);
    if (t == FDT_BEGIN_NODE)
      depth++;
    else if (t == FDT_END_NODE && --depth == 0)
      return off + 4;
    else if (t != FDT_END_NODE && t != FDT_PROP && t != FDT_NOP)
      return -1;
    off = next_token(off);
  }
  return -1;
}

/* The child of node after prev (the first child if prev < 0), or -1. */
static int fdt_child(int node, int prev) {
  int off = prev < 0 ? next_token(node) : skip_node(prev);
  while (off >= 0) {
    uint32 t = token(off);
    if (t == FDT_BEGIN_NODE)
      return off;
    if (t != FDT_PROP && t != FDT_NOP)
      return -1;
    off = next_token(off);
  }
  return -1;
}

static const char *fdt_name(int node) {
  return sptr(node + 4);
}

/* Property name of node; its value and length through *len, or 0 if absent. */
static const uint8 *fdt_prop(int node, const char *name, uint32 *len) {
  int off = next_token(node);
  while (off >= 0) {
    uint32 t = token(off);
    if (t == FDT_PROP) {
      uint32 l = be32(blob + off_struct + off + 4);
      uint32 nameoff = be32(blob + off_struct + off + 8);
      if (nameoff < size_strings) {
        const char *pn = (const char *)blob + off_strings + nameoff;
        unsigned long n = strlen(name);
        if (nameoff + n < size_strings && strncmp(pn, name, n + 1) == 0) {
          *len = l;
          return blob + off_struct + off + 12;
        }
      }
    } else if (t != FDT_NOP) {
      return 0;
    }
    off = next_token(off);
  }
  return 0;
}

/* A string property, or 0 if absent or not NUL-terminated. */
static const char *fdt_string(int node, const char *name) {
  uint32 len;
  const uint8 *p = fdt_prop(node, name, &len);
  if (!p || len == 0 || p[len - 1] != 0)
    return 0;
  return (const char *)p;
}

/* Whether the string-list property name of node contains s. */
static int fdt_has_string(int node, const char *name, const char *s) {
  uint32 len;
  const uint8 *p = fdt_prop(node, name, &len);
  if (!p || len == 0 || p[len - 1] != 0)
    return 0;
  for (uint32 i = 0; i < len; i += strlen((const char *)p + i) + 1)
    if (strcmp((const char *)p + i, s) == 0)
      return 1;
  return 0;
}

/* A value of ncells cells (1 or 2) at p. */
static uint64 cells(const uint8 *p, uint32 ncells) {
  return ncells == 2 ? (uint64)be32(p) << 32 | be32(p + 4) : be32(p);
}

/* A one-cell property, or dflt if absent. */
static uint32 fdt_u32(int node, const char *name, uint32 dflt) {
  uint32 len;
  const uint8 *p = fdt_prop(node, name, &len);
  return p && len == 4 ? be32(p) : dflt;
}

/* The child of node called name; "memory" also matches "memory@80000000". */
static int fdt_subnode(int node, const char *name) {
  unsigned long n = strlen(name);
  for (int c = fdt_child(node, -1); c >= 0; c = fdt_child(node, c)) {
    const char *cn = fdt_name(c);
    if (strncmp(cn, name, n) == 0 && (cn[n] == 0 || cn[n] == '@'))
      return c;
  }
  return -1;
}

/* The first region of a reg property under a parent with the given cell counts. */
static int fdt_reg(int node, uint32 acells, uint32 scells, uint64 *base, uint64 *size) {
  uint32 len;
  const uint8 *p = fdt_prop(node, "reg", &len);
  if (!p || acells < 1 || acells > 2 || scells > 2 || len < 4 * (acells + scells))
    return -1;
  *base = cells(p, acells);
  *size = scells ? cells(p + 4 * acells, scells) : 0;
  return 0;
}

/* Whether a riscv,isa string ("rv64imafdch_zicsr...") names the H extension among its
 * single-letter extensions (before the first '_'). */
static int isa_has_h(const char *isa) {
  if (!isa || strncmp(isa, "rv", 2) != 0)
    return 0;
  const char *p = isa + 2;
  while (*p >= '0' && *p <= '9')
    p++;
  for (; *p && *p != '_'; p++)
    if (*p == 'h')
      return 1;
  return 0;
}

static void read_cpus(int root) {
  int cpus = fdt_subnode(root, "cpus");
  if (cpus < 0)
    panic("fdt: no /cpus");
  uint32 acells = fdt_u32(cpus, "#address-cells", 1);
  dt.timebase = fdt_u32(cpus, "timebase-frequency", 0);
  dt.all_have_h = 1;
  for (int c = fdt_child(cpus, -1); c >= 0; c = fdt_child(cpus, c)) {
    const char *type = fdt_string(c, "device_type");
    uint64 id, unused;
    if (!type || strcmp(type, "cpu") != 0 || fdt_reg(c, acells, 0, &id, &unused) < 0)
      continue;
    if (id > dt.max_hartid)
      dt.max_hartid = (unsigned long)id;
    const char *status = fdt_string(c, "status");
    if (status && strcmp(status, "okay") != 0 && strcmp(status, "ok") != 0)
      continue;
    if (id >= NCPU || dt.nharts == NCPU) {
      printf("# fdt: hart %lu ignored (ids must be below %d)\n", (unsigned long)id, NCPU);
      continue;
    }
    if (dt.timebase == 0)
      dt.timebase = fdt_u32(c, "timebase-frequency", 0);
    if (!isa_has_h(fdt_string(c, "riscv,isa")))
      dt.all_have_h = 0;
    dt.harts[dt.nharts++] = (unsigned long)id;
  }
  if (dt.nharts == 0)
    panic("fdt: no usable cpu under /cpus");
  if (dt.timebase == 0)
    panic("fdt: no timebase-frequency");
}

static void read_memory(int root, uint32 acells, uint32 scells) {
  for (int c = fdt_child(root, -1); c >= 0; c = fdt_child(root, c)) {
    const char *type = fdt_string(c, "device_type");
    if (!type || strcmp(type, "memory") != 0)
      continue;
    if (fdt_reg(c, acells, scells, &dt.ram_base, &dt.ram_size) == 0 && dt.ram_size != 0)
      return;
  }
  panic("fdt: no /memory node with a reg");
}

static void read_optional(int root) {
  int chosen = fdt_subnode(root, "chosen");
  dt.bootargs = chosen >= 0 ? fdt_string(chosen, "bootargs") : 0;
  if (!dt.bootargs)
    dt.bootargs = "";

  int hyp = fdt_subnode(root, "hypervisor");
  if (hyp >= 0 && fdt_has_string(hyp, "compatible", "ferry,hypervisor")) {
    dt.has_hypervisor = 1;
    dt.pv_extension = fdt_u32(hyp, "ferry,sbi-extension", 0);
    uint32 len;
    const uint8 *ring = fdt_prop(hyp, "ferry,store-ring", &len);
    dt.store_evtchn = fdt_u32(hyp, "ferry,store-evtchn", 0);
    if (ring && len == 8 && dt.store_evtchn != 0)
      dt.store_ring = cells(ring, 2);
  }

  int resv = fdt_subnode(root, "reserved-memory");
  if (resv >= 0) {
    uint32 ac = fdt_u32(resv, "#address-cells", 2), sc = fdt_u32(resv, "#size-cells", 1);
    for (int c = fdt_child(resv, -1); c >= 0 && !dt.has_reserved; c = fdt_child(resv, c))
      if (fdt_reg(c, ac, sc, &dt.reserved_base, &dt.reserved_size) == 0 && dt.reserved_size)
        dt.has_reserved = 1;
  }
}

/* The end of the free RAM that starts at base: the device tree, the end of RAM or the
 * store's ring page, whichever comes first. Workloads that write RAM stay below it. */
uint64 fdt_free_limit(unsigned long base) {
  uint64 limit = PGROUNDDOWN(dt.dtb);
  if (dt.ram_base + dt.ram_size < limit)
    limit = dt.ram_base + dt.ram_size;
  if (dt.store_ring >= base && dt.store_ring < limit)
    limit = PGROUNDDOWN(dt.store_ring);
  return limit;
}

void fdtinit(unsigned long dtb) {
  blob = (const uint8 *)dtb;
  if (dtb == 0 || (dtb & 3) != 0 || be32(blob) != FDT_MAGIC)
    panic("fdt: no device tree at %p", (void *)dtb);
  uint32 total = be32(blob + 4);
  off_struct = be32(blob + 8);
  off_strings = be32(blob + 12);
  uint32 version = be32(blob + 20), last_comp = be32(blob + 24);
  size_strings = be32(blob + 32);
  size_struct = be32(blob + 36);
  if (version < 17 || last_comp > 17 || off_struct > total || size_struct > total - off_struct ||
      off_strings > total || size_strings > total - off_strings)
    panic("fdt: bad header (version %u, size %u)", version, total);
  dt.dtb = dtb;
  dt.dtb_size = total;

  int root = 0;
  while (token(root) == FDT_NOP)
    root += 4;
  if (token(root) != FDT_BEGIN_NODE)
    panic("fdt: no root node");
  uint32 acells = fdt_u32(root, "#address-cells", 2);
  uint32 scells = fdt_u32(root, "#size-cells", 1);
  read_cpus(root);
  read_memory(root, acells, scells);
  read_optional(root);
}
