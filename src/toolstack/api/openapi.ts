/**
 * The daemon's OpenAPI 3.1 description, generated from the action table (actions.ts) and its
 * zod schemas. `docs/openapi.json` is this document, written by `node
 * dist/scripts/write-openapi.js`; a test keeps the two identical, and the daemon also serves it
 * at GET /v1/openapi.json.
 */
import { z } from "zod";
import { type Action, actions, CONSOLE_PATH } from "./actions.js";
import { ErrorBody, Progress } from "./schemas.js";

type Json = Record<string, unknown>;

function schema(s: z.ZodType): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Json;
  return rest;
}

const errorResponse = {
  description: "error",
  content: { "application/json": { schema: schema(ErrorBody) } },
};

function operation(id: string, a: Action): Json {
  const ok = a.stream
    ? {
        description: 'NDJSON: {"progress": Progress} lines, then one {"result": …} or {"error": …} line',
        content: {
          "application/x-ndjson": {
            schema: {
              oneOf: [
                { type: "object", properties: { progress: schema(Progress) }, required: ["progress"] },
                { type: "object", properties: { result: schema(a.response) }, required: ["result"] },
                schema(ErrorBody),
              ],
            },
          },
        },
      }
    : { description: "success", content: { "application/json": { schema: schema(a.response) } } };
  return {
    operationId: id,
    summary: a.summary,
    ...(a.path.includes("{name}")
      ? { parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }] }
      : {}),
    ...(a.body
      ? { requestBody: { required: true, content: { "application/json": { schema: schema(a.body) } } } }
      : {}),
    responses: {
      "200": ok,
      "400": errorResponse,
      "404": errorResponse,
      "409": errorResponse,
      "500": errorResponse,
    },
  };
}

export function openApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const [id, a] of Object.entries(actions) as [string, Action][]) {
    paths[a.path] = { ...paths[a.path], [a.method.toLowerCase()]: operation(id, a) };
  }
  paths[CONSOLE_PATH] = {
    ...paths[CONSOLE_PATH],
    get: {
      operationId: "console",
      summary:
        "A domain's console output: what it printed lately, then everything it prints, until the client leaves",
      parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
      responses: {
        "200": { description: "console bytes", content: { "text/plain": {} } },
        "404": errorResponse,
      },
    },
  };
  paths["/v1/openapi.json"] = {
    get: {
      operationId: "openapi",
      summary: "This document",
      responses: { "200": { description: "OpenAPI 3.1" } },
    },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "ferryd",
      version,
      description:
        "Ferry's daemon: create, save, restore and manage RISC-V domains on one host. Listens on 127.0.0.1:7780 by default.",
    },
    paths,
  };
}
