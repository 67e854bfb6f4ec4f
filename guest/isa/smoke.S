/* The smallest test: a few adds, proving the build, the runtime and the runner. */
#include "test.h"

TEST_BEGIN
  TEST_RR_OP(1, add, 3, 1, 2)
  TEST_RR_OP(2, sub, -1, 1, 2)
  TEST_IMM_OP(3, addi, 0, -5, 5)
TEST_END
