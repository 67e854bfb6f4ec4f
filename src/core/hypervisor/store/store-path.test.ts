/** Path rules: resolution of relative paths, allowed characters, limits, helpers. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ABS_PATH_MAX, isAtOrBelow, PATH_DEPTH_MAX, parentPath, resolvePath } from "./store-path.js";

const einval = { name: "StoreError", code: "EINVAL" };

test("resolvePath() keeps absolute paths and roots relative ones at the domain home", () => {
  assert.equal(resolvePath(3, "/a/b-c/d_e@f"), "/a/b-c/d_e@f");
  assert.equal(resolvePath(3, "/"), "/");
  assert.equal(resolvePath(7, "control/shutdown"), "/local/domain/7/control/shutdown");
});

test("resolvePath() rejects empty components, bad characters and trailing slashes", () => {
  for (const bad of ["", "/a//b", "/a/", "a/", "/a b", "/a/./b", "/a/../b", "/é", "/a\0b", "//"]) {
    assert.throws(() => resolvePath(1, bad), einval, bad);
  }
});

test("resolvePath() enforces the length and depth limits", () => {
  assert.throws(() => resolvePath(0, `/${"a".repeat(ABS_PATH_MAX)}`), einval);
  assert.throws(() => resolvePath(0, "a".repeat(2049)), einval);
  const deep = `/${Array.from({ length: PATH_DEPTH_MAX + 1 }, () => "x").join("/")}`;
  assert.throws(() => resolvePath(0, deep), einval);
  const relative = (n: number) => Array.from({ length: n }, () => "x").join("/");
  assert.equal(resolvePath(0, relative(PATH_DEPTH_MAX - 3)).split("/").length - 1, PATH_DEPTH_MAX);
  assert.throws(() => resolvePath(0, relative(PATH_DEPTH_MAX - 2)), einval, "the home counts");
});

test("parentPath() and isAtOrBelow() work on canonical paths", () => {
  assert.equal(parentPath("/a/b"), "/a");
  assert.equal(parentPath("/a"), "/");
  assert.ok(isAtOrBelow("/a/b", "/a"));
  assert.ok(isAtOrBelow("/a", "/a"));
  assert.ok(!isAtOrBelow("/ab", "/a"));
  assert.ok(isAtOrBelow("/x", "/"));
});
