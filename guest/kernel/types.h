/* Fixed-width types. `unsigned long` is XLEN wide and holds addresses and SBI arguments. */
#ifndef TYPES_H
#define TYPES_H

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef int int32;
typedef unsigned long long uint64;
typedef long long int64;

/* A set of CPUs by hart id: bit i is CPU i (cpu.h has the helpers; NCPU <= 64). */
typedef uint64 cpuset;

#endif
