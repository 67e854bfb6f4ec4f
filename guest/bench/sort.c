/*
 * CPU benchmark: sort. Each round fills an array of 16384 32-bit words from a xorshift32
 * generator (a new seed per round) and sorts it with an in-place quicksort (median of three,
 * insertion sort below 16 elements, recursion on the smaller side only). Measures
 * data-dependent branches, loads and stores, and calls. After each round the array is
 * checked to be sorted and to hold the same multiset (sum and xor unchanged); the checksum
 * folds every sorted array with FNV-1a.
 * Output: one line "bench sort ticks=T instret=I checksum=C" (T = CLINT mtime ticks at
 * 10 MHz, I = minstret delta, C = 64-bit hex), exit 0; exit 1 if the self-check fails.
 * bench_scale multiplies the number of rounds.
 */
#include "bench.h"

volatile uint32_t bench_scale = 1;

#define N 16384
#define ROUNDS 25

static uint32_t data[N];

static uint32_t xorshift32(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

static void insertion_sort(uint32_t *a, int n) {
  for (int i = 1; i < n; i++) {
    uint32_t v = a[i];
    int j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static inline void swap(uint32_t *a, uint32_t *b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

static void quicksort(uint32_t *a, int n) {
  while (n > 16) {
    int mid = n >> 1;
    /* median of three into a[mid] */
    if (a[mid] < a[0])
      swap(&a[mid], &a[0]);
    if (a[n - 1] < a[0])
      swap(&a[n - 1], &a[0]);
    if (a[n - 1] < a[mid])
      swap(&a[n - 1], &a[mid]);
    uint32_t pivot = a[mid];
    int i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pivot)
        i++;
      while (a[j] > pivot)
        j--;
      if (i >= j)
        break;
      swap(&a[i], &a[j]);
      i++;
      j--;
    }
    /* a[0..j] <= pivot <= a[j+1..n-1]; recurse on the smaller part */
    int left = j + 1, right = n - left;
    if (left < right) {
      quicksort(a, left);
      a += left;
      n = right;
    } else {
      quicksort(a + left, right);
      n = left;
    }
  }
  insertion_sort(a, n);
}

int main(void) {
  uint32_t rounds = ROUNDS * bench_scale;
  uint64_t checksum = 0xcbf29ce484222325ULL;
  int ok = 1;

  uint64_t t0 = read_mtime();
  uint64_t i0 = read_instret();
  for (uint32_t r = 0; r < rounds; r++) {
    uint32_t state = 0x9e3779b9u ^ (r * 0x85ebca6bu);
    if (state == 0)
      state = 1;
    uint32_t sum = 0, x = 0;
    for (int i = 0; i < N; i++) {
      uint32_t v = xorshift32(&state);
      data[i] = v;
      sum += v;
      x ^= v;
    }
    quicksort(data, N);
    uint32_t sum2 = data[0], x2 = data[0];
    for (int i = 1; i < N; i++) {
      if (data[i - 1] > data[i])
        ok = 0;
      sum2 += data[i];
      x2 ^= data[i];
    }
    if (sum2 != sum || x2 != x)
      ok = 0;
    for (int i = 0; i < N; i += 64) {
      checksum ^= data[i];
      checksum *= 0x100000001b3ULL;
    }
  }
  uint64_t i1 = read_instret();
  uint64_t t1 = read_mtime();

  bench_report("sort", t1 - t0, i1 - i0, checksum, ok);
  return ok ? 0 : 1;
}
