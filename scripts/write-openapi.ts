/**
 * Writes docs/openapi.json, the daemon's OpenAPI description, from the action table
 * (src/toolstack/api/openapi.ts). Run after changing the API: `npm run openapi`. A test
 * (openapi.test.ts) fails while the committed file differs from what this writes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { openApiDocument } from "../src/toolstack/api/openapi.js";

const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;
writeFileSync("docs/openapi.json", `${JSON.stringify(openApiDocument(version), null, 2)}\n`);
