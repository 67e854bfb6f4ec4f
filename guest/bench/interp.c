/*
 * CPU benchmark: interp. A small register-machine bytecode interpreter (8 registers,
 * 256 words of data memory, 32-bit instructions decoded with shifts and masks, dispatched
 * through a switch) runs a loop program: for n = 1 .. LIMIT-1 it counts the Collatz steps
 * of n, adds them to a total and to a histogram in VM memory (mem[n & 255]). Measures the
 * indirect-jump dispatch, unpredictable branches and small loads/stores typical of
 * interpreters. Self-check (after timing): the same computation done natively must give
 * the same total and histogram. The checksum folds the totals and the histogram.
 * Output: one line "bench interp ticks=T instret=I checksum=C" (T = CLINT mtime ticks at
 * 10 MHz, I = minstret delta, C = 64-bit hex), exit 0; exit 1 if the self-check fails.
 * bench_scale multiplies the number of times the program runs.
 */
#include "bench.h"

volatile uint32_t bench_scale = 1;

#define LIMIT 5000
#define ROUNDS 1

enum {
  OP_HALT,
  OP_LI,   /* r[a] = imm16 */
  OP_ADD,  /* r[a] = r[b] + r[c] */
  OP_SUB,  /* r[a] = r[b] - r[c] */
  OP_MUL,  /* r[a] = r[b] * r[c] */
  OP_XOR,  /* r[a] = r[b] ^ r[c] */
  OP_ADDI, /* r[a] = r[b] + sext8(c) */
  OP_ANDI, /* r[a] = r[b] & c */
  OP_SHRI, /* r[a] = r[b] >> (c & 31) */
  OP_SHLI, /* r[a] = r[b] << (c & 31) */
  OP_LD,   /* r[a] = mem[r[b] & 255] */
  OP_ST,   /* mem[r[b] & 255] = r[a] */
  OP_BNZ,  /* if (r[a] != 0) pc = imm16 */
  OP_BEQ,  /* if (r[a] == r[b]) pc = c */
  OP_BLTU, /* if (r[a] < r[b]) pc = c */
  OP_JMP,  /* pc = imm16 */
};

#define R3(op, a, b, c) ((uint32_t)(op) | ((uint32_t)(a) << 8) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 24))
#define RI(op, a, imm) ((uint32_t)(op) | ((uint32_t)(a) << 8) | ((uint32_t)(imm) << 16))

/* r0 = n, r1 = limit (preset), r2 = total, r3 = x, r4 = steps, r5/r6 = temporaries, r7 = 1 */
static const uint32_t program[] = {
    /* 0 */ RI(OP_LI, 7, 1),
    /* 1 */ RI(OP_LI, 2, 0),
    /* 2 */ RI(OP_LI, 0, 1),
    /* 3 loop_n */ R3(OP_ADDI, 3, 0, 0),
    /* 4 */ RI(OP_LI, 4, 0),
    /* 5 loop_x */ R3(OP_BEQ, 3, 7, 15),
    /* 6 */ R3(OP_ADDI, 4, 4, 1),
    /* 7 */ R3(OP_ANDI, 5, 3, 1),
    /* 8 */ RI(OP_BNZ, 5, 11),
    /* 9 */ R3(OP_SHRI, 3, 3, 1),
    /* 10 */ RI(OP_JMP, 0, 5),
    /* 11 odd */ R3(OP_ADD, 6, 3, 3),
    /* 12 */ R3(OP_ADD, 3, 6, 3),
    /* 13 */ R3(OP_ADDI, 3, 3, 1),
    /* 14 */ RI(OP_JMP, 0, 5),
    /* 15 done_x */ R3(OP_ADD, 2, 2, 4),
    /* 16 */ R3(OP_LD, 5, 0, 0),
    /* 17 */ R3(OP_ADD, 5, 5, 4),
    /* 18 */ R3(OP_ST, 5, 0, 0),
    /* 19 */ R3(OP_ADDI, 0, 0, 1),
    /* 20 */ R3(OP_BLTU, 0, 1, 3),
    /* 21 */ R3(OP_HALT, 0, 0, 0),
};

static uint32_t vm_mem[256];
static uint32_t native_hist[256];

/* Runs prog until OP_HALT; returns the number of VM instructions executed. */
static uint32_t vm_run(const uint32_t *prog, uint32_t *r, uint32_t *mem) {
  uint32_t pc = 0, count = 0;
  for (;;) {
    uint32_t insn = prog[pc++];
    uint32_t a = (insn >> 8) & 7, b = (insn >> 16) & 7, c = insn >> 24, imm = insn >> 16;
    count++;
    switch (insn & 0xff) {
    case OP_HALT:
      return count;
    case OP_LI:
      r[a] = imm;
      break;
    case OP_ADD:
      r[a] = r[b] + r[c & 7];
      break;
    case OP_SUB:
      r[a] = r[b] - r[c & 7];
      break;
    case OP_MUL:
      r[a] = r[b] * r[c & 7];
      break;
    case OP_XOR:
      r[a] = r[b] ^ r[c & 7];
      break;
    case OP_ADDI:
      r[a] = r[b] + (uint32_t)(int32_t)(signed char)c;
      break;
    case OP_ANDI:
      r[a] = r[b] & c;
      break;
    case OP_SHRI:
      r[a] = r[b] >> (c & 31);
      break;
    case OP_SHLI:
      r[a] = r[b] << (c & 31);
      break;
    case OP_LD:
      r[a] = mem[r[b] & 255];
      break;
    case OP_ST:
      mem[r[b] & 255] = r[a];
      break;
    case OP_BNZ:
      if (r[a] != 0)
        pc = imm;
      break;
    case OP_BEQ:
      if (r[a] == r[b])
        pc = c;
      break;
    case OP_BLTU:
      if (r[a] < r[b])
        pc = c;
      break;
    case OP_JMP:
      pc = imm;
      break;
    default:
      return 0;
    }
  }
}

int main(void) {
  uint32_t rounds = ROUNDS * bench_scale;
  uint64_t checksum = 0xcbf29ce484222325ULL;
  uint32_t total = 0, vm_insns = 0;

  uint64_t t0 = read_mtime();
  uint64_t i0 = read_instret();
  for (uint32_t round = 0; round < rounds; round++) {
    uint32_t r[8] = {0};
    r[1] = LIMIT;
    vm_insns += vm_run(program, r, vm_mem);
    total = r[2];
    checksum = (checksum ^ total) * 0x100000001b3ULL;
  }
  uint64_t i1 = read_instret();
  uint64_t t1 = read_mtime();

  /* self-check: the same computation, natively */
  uint32_t ntotal = 0;
  for (uint32_t n = 1; n < LIMIT; n++) {
    uint32_t x = n, steps = 0;
    while (x != 1) {
      steps++;
      x = (x & 1) ? 3 * x + 1 : x >> 1;
    }
    ntotal += steps;
    native_hist[n & 255] += steps;
  }
  int ok = vm_insns != 0 && total == ntotal;
  for (int i = 0; i < 256; i++) {
    if (vm_mem[i] != native_hist[i] * rounds)
      ok = 0;
    checksum = (checksum ^ vm_mem[i]) * 0x100000001b3ULL;
  }
  bench_report("interp", t1 - t0, i1 - i0, checksum, ok);
  return ok ? 0 : 1;
}
