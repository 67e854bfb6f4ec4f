/** docs/openapi.json is the document the action table generates, and every action is in it. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { actions } from "./actions.js";
import { openApiDocument } from "./openapi.js";

test("docs/openapi.json matches openApiDocument() (run `npm run openapi` after an API change)", () => {
  const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
  const committed = JSON.parse(readFileSync("docs/openapi.json", "utf8")) as unknown;
  assert.deepEqual(committed, JSON.parse(JSON.stringify(openApiDocument(version))));
});

test("openApiDocument() describes every action with its method, body and response", () => {
  const doc = openApiDocument("0") as {
    paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>>;
  };
  for (const [id, a] of Object.entries(actions)) {
    const op = doc.paths[a.path]?.[a.method.toLowerCase()];
    assert.equal(op?.operationId, id, `${a.method} ${a.path}`);
    assert.equal(op.requestBody !== undefined, a.body !== null, id);
  }
});
