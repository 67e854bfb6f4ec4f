/*
 * A kernel that hangs: vCPU 0 waits in wfi with every interrupt disabled and no timer, so
 * nothing can ever wake it. The hypervisor must notice and end the domain as crashed.
 */
#include "hv.h"

  .section .text.init
  .globl _start
_start:
  csrw sie, zero
1:
  wfi
  j 1b
