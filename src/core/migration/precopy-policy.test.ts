/**
 * When pre-copy ends (precopy-policy.ts), and the per-page hashes that let a round skip
 * pages the destination already holds (page-hashes.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PageHashes } from "./page-hashes.js";
import { afterRound, WIRE_BYTES_PER_PAGE } from "./precopy-policy.js";

const limits = { downtimeMs: 50, maxRounds: 30, overheadMs: 2 };
/** 1 MB/ms: 1,000 pages take about 4.1 ms. */
const bytesPerMs = 1_000_000;

test("afterRound() ends pre-copy when the rest fits the downtime at the measured bandwidth", () => {
  const fits = Math.floor(((limits.downtimeMs - limits.overheadMs) * bytesPerMs) / WIRE_BYTES_PER_PAGE);
  assert.deepEqual(afterRound({ round: 3, candidates: 50_000, dirty: fits, bytesPerMs }, limits).final, true);
  const d = afterRound({ round: 3, candidates: 50_000, dirty: fits + 1, bytesPerMs }, limits);
  assert.equal(d.final, false);
  assert.ok(d.estimatedMs > limits.downtimeMs);
  assert.deepEqual(
    afterRound({ round: 0, candidates: 8192, dirty: 0, bytesPerMs: 0 }, { ...limits, downtimeMs: 0 }),
    {
      final: true,
      reason: "converged",
      estimatedMs: 2,
    },
  );
});

test("afterRound() ends pre-copy at the round limit, or when a round leaves no fewer dirty pages than it sent", () => {
  const slow = 1; // nothing fits
  assert.deepEqual(
    afterRound({ round: 29, candidates: 1000, dirty: 500, bytesPerMs: slow }, limits).final,
    true,
  );
  const limit = afterRound({ round: 29, candidates: 1000, dirty: 500, bytesPerMs: slow }, limits);
  assert.ok(limit.final && limit.reason === "round-limit");
  const stuck = afterRound({ round: 4, candidates: 1000, dirty: 1000, bytesPerMs: slow }, limits);
  assert.ok(stuck.final && stuck.reason === "not-shrinking");
  // Round 0 sent all memory: what it leaves is not compared with that.
  assert.equal(afterRound({ round: 0, candidates: 100, dirty: 400, bytesPerMs: slow }, limits).final, false);
  assert.equal(afterRound({ round: 4, candidates: 1000, dirty: 999, bytesPerMs: slow }, limits).final, false);
  assert.equal(
    afterRound({ round: 0, candidates: 100, dirty: 99, bytesPerMs: slow }, { ...limits, maxRounds: 1 }).final,
    true,
  );
});

test("PageHashes: every page starts as the zero page the destination holds; a page is held once recorded", () => {
  const h = new PageHashes(4);
  const zero = new Uint8Array(4096);
  const page = new Uint8Array(4096);
  page[100] = 1;
  h.hash(zero);
  assert.ok(h.holds(0) && h.holds(3), "the destination starts zeroed");
  h.hash(page);
  assert.ok(!h.holds(2));
  h.record(2);
  assert.ok(h.holds(2));
  const other = page.slice();
  other[4095] = 1;
  h.hash(other);
  assert.ok(!h.holds(2), "a one-byte change is a different page");
  // Both hashes differ for pages that differ in one word (one alone could be fooled).
  const a = new PageHashes(1);
  a.hash(page);
  const [ca, ma] = [a.a, a.b];
  a.hash(other);
  assert.ok(a.a !== ca && a.b !== ma);
});
