/*
 * CPU benchmark: hash. A 64 KiB buffer filled from a xorshift32 generator is hashed each
 * round with two functions: 64-bit FNV-1a over its bytes (a 64-bit multiply per byte) and
 * a murmur3-style 32-bit mix over its words (multiplies, rotates, xors). Each round then
 * writes both hashes back into the buffer at a position derived from them, so rounds
 * depend on each other. Measures byte/word loads, 64-bit and 32-bit multiply, shifts and
 * rotates (the 64-bit arithmetic costs more instructions on RV32). Self-check: FNV-1a 64
 * known answers ("" , "a", "foobar") and a murmur3_32 known answer, checked after timing.
 * Output: one line "bench hash ticks=T instret=I checksum=C" (T = CLINT mtime ticks at
 * 10 MHz, I = minstret delta, C = 64-bit hex), exit 0; exit 1 if the self-check fails.
 * bench_scale multiplies the number of rounds.
 */
#include "bench.h"

volatile uint32_t bench_scale = 1;

#define BUF_BYTES 65536
#define ROUNDS 90

static uint32_t buf[BUF_BYTES / 4];

static uint64_t fnv1a64(const unsigned char *p, uint32_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint32_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static inline uint32_t rotl32(uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

/* murmur3_x86_32 over n bytes (n a multiple of 4 here, tail handled anyway) */
static uint32_t murmur3_32(const unsigned char *p, uint32_t n, uint32_t seed) {
  uint32_t h = seed;
  uint32_t nblocks = n / 4;
  for (uint32_t i = 0; i < nblocks; i++) {
    uint32_t k = (uint32_t)p[4 * i] | ((uint32_t)p[4 * i + 1] << 8) | ((uint32_t)p[4 * i + 2] << 16) |
                 ((uint32_t)p[4 * i + 3] << 24);
    k *= 0xcc9e2d51u;
    k = rotl32(k, 15);
    k *= 0x1b873593u;
    h ^= k;
    h = rotl32(h, 13);
    h = h * 5 + 0xe6546b64u;
  }
  uint32_t k = 0;
  const unsigned char *tail = p + 4 * nblocks;
  switch (n & 3) {
  case 3:
    k ^= (uint32_t)tail[2] << 16;
    /* fall through */
  case 2:
    k ^= (uint32_t)tail[1] << 8;
    /* fall through */
  case 1:
    k ^= tail[0];
    k *= 0xcc9e2d51u;
    k = rotl32(k, 15);
    k *= 0x1b873593u;
    h ^= k;
  }
  h ^= n;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static int self_check(void) {
  int ok = 1;
  if (fnv1a64((const unsigned char *)"", 0) != 0xcbf29ce484222325ULL)
    ok = 0;
  if (fnv1a64((const unsigned char *)"a", 1) != 0xaf63dc4c8601ec8cULL)
    ok = 0;
  if (fnv1a64((const unsigned char *)"foobar", 6) != 0x85944171f73967e8ULL)
    ok = 0;
  if (murmur3_32((const unsigned char *)"Hello, world!", 13, 1234) != 0xfaf6cdb3u)
    ok = 0;
  if (murmur3_32((const unsigned char *)"", 0, 0) != 0)
    ok = 0;
  return ok;
}

int main(void) {
  uint32_t rounds = ROUNDS * bench_scale;
  uint32_t state = 0x12345678u;
  for (uint32_t i = 0; i < BUF_BYTES / 4; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    buf[i] = state;
  }
  uint64_t checksum = 0;

  uint64_t t0 = read_mtime();
  uint64_t i0 = read_instret();
  for (uint32_t r = 0; r < rounds; r++) {
    uint64_t h64 = fnv1a64((const unsigned char *)buf, BUF_BYTES);
    uint32_t h32 = murmur3_32((const unsigned char *)buf, BUF_BYTES, r);
    uint32_t pos = (uint32_t)(h64 ^ h32) & (BUF_BYTES / 4 - 2);
    buf[pos] ^= (uint32_t)h64;
    buf[pos + 1] ^= (uint32_t)(h64 >> 32) + h32;
    checksum = (checksum ^ h64) * 0x9e3779b97f4a7c15ULL + h32;
  }
  uint64_t i1 = read_instret();
  uint64_t t1 = read_mtime();

  int ok = self_check();
  bench_report("hash", t1 - t0, i1 - i0, checksum, ok);
  return ok ? 0 : 1;
}
