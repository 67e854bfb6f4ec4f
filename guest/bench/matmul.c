/*
 * CPU benchmark: matmul. Multiplies 128 x 128 matrices of 32-bit integers (wrapping
 * arithmetic), C = A * B, in i-k-j order (the inner loop streams a row of B and a row of
 * C); between rounds A is replaced by a mix of C, so every round depends on the previous
 * one. Measures multiply-accumulate throughput, sequential loads and stores and loop
 * overhead over 192 KiB of data. Self-check (after timing): 64 entries of the final C are
 * recomputed as plain dot products. The checksum folds every row of every C.
 * Output: one line "bench matmul ticks=T instret=I checksum=C" (T = CLINT mtime ticks at
 * 10 MHz, I = minstret delta, C = 64-bit hex), exit 0; exit 1 if the self-check fails.
 * bench_scale multiplies the number of rounds.
 */
#include "bench.h"

volatile uint32_t bench_scale = 1;

#define N 128
#define ROUNDS 4

static uint32_t A[N][N], B[N][N], C[N][N];

static void matmul(void) {
  for (int i = 0; i < N; i++) {
    uint32_t *c = C[i];
    for (int j = 0; j < N; j++)
      c[j] = 0;
    for (int k = 0; k < N; k++) {
      uint32_t a = A[i][k];
      const uint32_t *b = B[k];
      for (int j = 0; j < N; j++)
        c[j] += a * b[j];
    }
  }
}

int main(void) {
  uint32_t rounds = ROUNDS * bench_scale;
  uint32_t s = 0x2545f491u;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      s ^= s << 13;
      s ^= s >> 17;
      s ^= s << 5;
      A[i][j] = s & 0xffff;
      s ^= s << 13;
      s ^= s >> 17;
      s ^= s << 5;
      B[i][j] = s & 0xffff;
    }
  uint64_t checksum = 0xcbf29ce484222325ULL;

  uint64_t t0 = read_mtime();
  uint64_t i0 = read_instret();
  for (uint32_t r = 0; r < rounds; r++) {
    matmul();
    for (int i = 0; i < N; i++) {
      uint32_t row = 0;
      for (int j = 0; j < N; j++)
        row = (row ^ C[i][j]) * 0x01000193u;
      checksum = (checksum ^ row) * 0x100000001b3ULL;
    }
    if (r + 1 < rounds)
      for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
          A[i][j] = (C[i][j] ^ (C[i][j] >> 15)) & 0xffff;
  }
  uint64_t i1 = read_instret();
  uint64_t t1 = read_mtime();

  int ok = 1;
  for (int t = 0; t < 64; t++) {
    int i = (t * 37 + 5) & (N - 1), j = (t * 101 + 11) & (N - 1);
    uint32_t dot = 0;
    for (int k = 0; k < N; k++)
      dot += A[i][k] * B[k][j];
    if (dot != C[i][j])
      ok = 0;
  }
  bench_report("matmul", t1 - t0, i1 - i0, checksum, ok);
  return ok ? 0 : 1;
}
