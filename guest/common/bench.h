/* What the CPU benchmark programs share: exact instruction counts and their one result line. */
#ifndef BENCH_H
#define BENCH_H
#include "runtime.h"

/* minstret, read consistently on RV32 (high, low, high again until the high halves agree). */
uint64_t read_instret(void);

/* Prints "bench NAME[ FAIL] ticks=T instret=I checksum=C", the line bench/cpu.ts parses. */
void bench_report(const char *name, uint64_t ticks, uint64_t instret, uint64_t checksum, int ok);

#endif
