/*
 * Routines every hypervisor test kernel links with. Calling convention: arguments in a0-a4,
 * result in a0; each routine may clobber a0-a7 and t0-t5, and keeps s0-s11. Routines that
 * call another save ra in t6 (so they are not reentrant, and no hart has a stack).
 */
#include "hv.h"

/* Message lengths: the assembler's li wants constants, not label differences. */
#define MSG_UP_LEN 11
#define MSG_OK_LEN 12
#define MSG_FAIL_LEN 11

  .section .rodata
msg_up: .ascii "hart NN up\n"
msg_ok: .ascii "CHECK ok NN\n"
msg_fail: .ascii "CHECK fail\n"

  .text

/* hv_count_harts() -> a0: the number of vCPUs, probed with hart_get_status until it fails. */
  .globl hv_count_harts
hv_count_harts:
  li t0, 0
1:
  mv a0, t0
  SBI(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS)
  bnez a0, 2f
  addi t0, t0, 1
  j 1b
2:
  mv a0, t0
  ret

/* hv_start_secondaries(a0 = harts, a1 = entry): hart_start(i, entry, opaque = i) for i >= 1. */
  .globl hv_start_secondaries
hv_start_secondaries:
  mv t1, a0
  mv t2, a1
  li t0, 1
1:
  bge t0, t1, 2f
  mv a0, t0
  mv a1, t2
  mv a2, t0
  SBI(SBI_EXT_HSM, SBI_HSM_HART_START)
  bnez a0, hv_fail
  addi t0, t0, 1
  j 1b
2:
  ret

/* hv_putline(a0 = template, a1 = length, a2 = offset of a 2-digit field, a3 = number,
 * a4 = buffer): copies the template to the buffer, writes the number (0-99) at the offset,
 * and prints the buffer with one DBCN console_write, so lines from several harts never mix. */
  .globl hv_putline
hv_putline:
  li t0, 0
1:
  bge t0, a1, 2f
  add t1, a0, t0
  lbu t2, 0(t1)
  add t1, a4, t0
  sb t2, 0(t1)
  addi t0, t0, 1
  j 1b
2:
  add t1, a4, a2
  li t2, 10
  divu t3, a3, t2
  remu t4, a3, t2
  addi t3, t3, '0'
  addi t4, t4, '0'
  sb t3, 0(t1)
  sb t4, 1(t1)
  mv a0, a1
  mv a1, a4
  li a2, 0
  SBI(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE)
  ret

/* hv_hart_up(a0 = hart id): prints "hart NN up". Uses t6 for ra. */
  .globl hv_hart_up
hv_hart_up:
  mv t6, ra
  mv a3, a0
  slli a4, a0, 5
  la t0, hv_buffers
  add a4, a4, t0
  la a0, msg_up
  li a1, MSG_UP_LEN
  li a2, 5
  call hv_putline
  mv ra, t6
  ret

/* hv_check_ok(a0 = number): prints "CHECK ok NN" (with hart 0's buffer). Uses t6 for ra. */
  .globl hv_check_ok
hv_check_ok:
  mv t6, ra
  mv a3, a0
  la a4, hv_buffers
  la a0, msg_ok
  li a1, MSG_OK_LEN
  li a2, 9
  call hv_putline
  mv ra, t6
  ret

/* hv_wait_eq(a0 = address, a1 = value): waits until the word there equals the value; fails
 * the test after SPIN_MAX polls. */
  .globl hv_wait_eq
hv_wait_eq:
  li t0, SPIN_MAX
1:
  lw t1, 0(a0)
  beq t1, a1, 2f
  addi t0, t0, -1
  bnez t0, 1b
  j hv_fail
2:
  fence rw, rw
  ret

/* hv_shutdown(): a normal SRST shutdown. Does not return. */
  .globl hv_shutdown
hv_shutdown:
  li a0, SBI_RESET_TYPE_SHUTDOWN
  li a1, SBI_RESET_REASON_NO_REASON
  SBI(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET)
1:
  j 1b

/* hv_fail(): prints "CHECK fail" and shuts down with reason SYSTEM_FAILURE. Does not return. */
  .globl hv_fail
hv_fail:
  li a0, MSG_FAIL_LEN
  la a1, msg_fail
  li a2, 0
  SBI(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE)
  li a0, SBI_RESET_TYPE_SHUTDOWN
  li a1, SBI_RESET_REASON_SYSTEM_FAILURE
  SBI(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET)
1:
  j 1b

  .bss
  .balign 32
hv_buffers: .space 32 * 64
