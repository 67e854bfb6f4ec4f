// Runs every compiled test file (dist/**/*.test.js) with Node's built-in test runner.
// Node 20's runner takes explicit paths, so the files are found here.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith(".test.js") ? [p] : [];
  });
}

const filter = process.argv[2];
const files = testFiles("dist/src")
  .filter((f) => !filter || f.includes(filter))
  .sort();
// --liftoff-only: as every Ferry entry point sets it (src/host/node/wasm-engine.ts); test files
// inherit it from here.
const result = spawnSync(process.execPath, ["--liftoff-only", "--test", "--test-reporter=spec", ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
