import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ProgramFileError, readProgramFile } from "./program-file.js";

const dir = mkdtempSync(join(tmpdir(), "ferry-program-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("readProgramFile() returns the file's bytes", async () => {
  const path = join(dir, "a.bin");
  writeFileSync(path, Uint8Array.from([1, 2, 3]));
  assert.deepEqual(Array.from(await readProgramFile(path)), [1, 2, 3]);
});

test("readProgramFile() names the path and the reason for every failure", async () => {
  const empty = join(dir, "empty.bin");
  writeFileSync(empty, "");
  const cases: [string, RegExp][] = [
    [join(dir, "nope.elf"), /cannot read .*nope\.elf: no such file/],
    [dir, /is a directory/],
    [empty, /file is empty/],
    [join(empty, "below"), /not a directory/],
  ];
  for (const [path, pattern] of cases) {
    await assert.rejects(readProgramFile(path), (err: unknown) => {
      assert.ok(err instanceof ProgramFileError);
      assert.match(err.message, pattern);
      return true;
    });
  }
});
