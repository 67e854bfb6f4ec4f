import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "commander";
import { integerInRange, parseMemorySize, parsePositiveInteger, parseXlen } from "./option-parsers.js";

const MIB = 1024 * 1024;

test("parseMemorySize() reads sizes as QEMU's -m does", () => {
  assert.equal(parseMemorySize("128M"), 128 * MIB);
  assert.equal(parseMemorySize("128"), 128 * MIB, "no suffix means MiB");
  assert.equal(parseMemorySize("1G"), 1024 * MIB);
  assert.equal(parseMemorySize("1g"), 1024 * MIB);
  assert.equal(parseMemorySize("65536K"), 64 * MIB);
  assert.equal(parseMemorySize("256MiB"), 256 * MIB);
  assert.equal(parseMemorySize("2GB"), 2048 * MIB);
});

test("parseMemorySize() rejects anything else with InvalidArgumentError", () => {
  for (const bad of ["", "M", "1T", "-1M", "1.5G", "0", "12 apples", "0x10M"]) {
    assert.throws(() => parseMemorySize(bad), InvalidArgumentError, bad);
  }
});

test("parsePositiveInteger() accepts decimal, hex and exponent forms", () => {
  assert.equal(parsePositiveInteger("1000"), 1000);
  assert.equal(parsePositiveInteger("0x10"), 16);
  assert.equal(parsePositiveInteger("1e9"), 1e9);
  for (const bad of ["", " ", "0", "-5", "1.5", "abc", "1e300"]) {
    assert.throws(() => parsePositiveInteger(bad), InvalidArgumentError, bad);
  }
});

test("integerInRange() accepts only whole numbers within its bounds", () => {
  const harts = integerInRange(1, 16);
  assert.equal(harts("1"), 1);
  assert.equal(harts("16"), 16);
  for (const bad of ["0", "17", "2.5", "two", "", "0x2"]) {
    assert.throws(() => harts(bad), /from 1 to 16/, bad);
  }
});

test("parseXlen() accepts 32 and 64 only", () => {
  assert.equal(parseXlen("32"), 32);
  assert.equal(parseXlen("64"), 64);
  assert.throws(() => parseXlen("128"), InvalidArgumentError);
});
