import assert from "node:assert/strict";
import { test } from "node:test";
import { parseHostPort } from "./addresses.js";

test("parseHostPort() takes ADDR:PORT, ADDR, :PORT, PORT and [v6]:PORT", () => {
  assert.deepEqual(parseHostPort("10.0.0.2:9000", 7780), { host: "10.0.0.2", port: 9000 });
  assert.deepEqual(parseHostPort("example.org", 7780), { host: "example.org", port: 7780 });
  assert.deepEqual(parseHostPort(":7790", 7780), { host: "127.0.0.1", port: 7790 });
  assert.deepEqual(parseHostPort("7790", 7780), { host: "127.0.0.1", port: 7790 });
  assert.deepEqual(parseHostPort("[::1]:7790", 7780), { host: "::1", port: 7790 });
  for (const bad of ["", "a b:1", "host:70000", "host:x", "::1:80"]) {
    assert.throws(() => parseHostPort(bad, 7780), RangeError, bad);
  }
});
