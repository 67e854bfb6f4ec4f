/*
 * Shared definitions of the hypervisor test kernels in hv-tests/: S-mode programs that
 * reach the hypervisor only through SBI. Every hart runs without a stack; the routines in
 * lib.S keep their return address in a register, as noted there.
 */
#ifndef HV_H
#define HV_H
#include "asm.h"
#include "ferry-sbi.h"

/* Polls before a wait gives up and the test fails (every wait is bounded). */
#define SPIN_MAX 50000000

/* sstatus / sie / sip bits */
#define SSTATUS_SIE 2
#define SIE_SSIE 2
#define SIE_STIE 32
#define SIP_SSIP 2
#define SIP_STIP 32

/* An SBI call with the arguments already in a0-a5: error in a0, value in a1. */
#define SBI(ext, fid) li a7, ext; li a6, fid; ecall

/* Scratch RAM above the kernel image (domains get at least 16 MiB). */
#define SCRATCH_BASE 0x80400000

#endif
