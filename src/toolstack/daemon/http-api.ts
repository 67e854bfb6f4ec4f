/**
 * ferryd's HTTP JSON API: routes each request of the action table (api/actions.ts) to the
 * DomainManager, validating its body with the action's schema first. Errors are one JSON body
 * `{"error": {"code", "message"}}` with the status of their code; long actions stream NDJSON
 * progress and end with a result or error line; the console is a chunked text stream.
 *
 * The server trusts no client: bodies are size-limited and schema-checked, and nothing a
 * request does can throw past the handler (an unexpected exception is a 500 with its message).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { z } from "zod";
import { type Action, type ActionName, actions, CONSOLE_PATH, matchPath } from "../api/actions.js";
import { openApiDocument } from "../api/openapi.js";
import { describeIssues, type ErrorCode, type Progress } from "../api/schemas.js";
import { type DomainManager, ToolstackError } from "./domain-manager.js";

const MAX_BODY = 1024 * 1024;
/** Progress lines at most this often (ms): a terminal bar needs no more. */
const PROGRESS_INTERVAL = 100;

export const STATUS_OF: Record<ErrorCode, number> = {
  "bad-request": 400,
  "no-such-domain": 404,
  conflict: 409,
  busy: 409,
  failed: 500,
  internal: 500,
};

type Handler = (m: DomainManager, name: string, body: never, progress: (p: Progress) => void) => unknown;

const handlers: Record<ActionName, Handler> = {
  hostInfo: (m) => m.hostInfo(),
  listDomains: (m) => m.list(),
  createDomain: (m, _n, body: z.infer<typeof actions.createDomain.body>) => m.create(body),
  domainInfo: (m, n) => m.info(n),
  pause: (m, n) => m.pause(n),
  unpause: (m, n) => m.unpause(n),
  shutdown: (m, n, body: z.infer<typeof actions.shutdown.body>) =>
    m.shutdown(n, body.wait ?? false, body.timeoutMs),
  destroy: async (m, n) => {
    await m.destroy(n);
    return {};
  },
  vcpuList: (m, n) => m.vcpuList(n),
  vcpuSet: (m, n, body: z.infer<typeof actions.vcpuSet.body>) => m.vcpuSet(n, body.online),
  save: (m, n, body: z.infer<typeof actions.save.body>, progress) => m.save(n, body, progress),
  restore: (m, _n, body: z.infer<typeof actions.restore.body>, progress) => m.restore(body, progress),
  migrate: (m, n, body: z.infer<typeof actions.migrate.body>, progress) => m.migrate(n, body, progress),
  consoleInput: (m, n, body: z.infer<typeof actions.consoleInput.body>) => {
    m.consoleInput(n, body.data);
    return {};
  },
};

export function createApiServer(manager: DomainManager, version: string): Server {
  return createServer((req, res) => {
    void serve(manager, version, req, res).catch((e: unknown) => {
      process.stderr.write(`ferryd: ${(e as Error).stack}\n`);
      if (!res.headersSent) sendError(res, "internal", (e as Error).message);
      else res.end();
    });
  });
}

async function serve(
  manager: DomainManager,
  version: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://ferryd").pathname;
  if (req.method === "GET" && path === "/v1/openapi.json")
    return sendJson(res, 200, openApiDocument(version));
  const consoleName = matchPath(CONSOLE_PATH, path);
  if (req.method === "GET" && consoleName) return streamConsole(manager, consoleName, req, res);

  let found: [ActionName, Action, string] | undefined;
  let pathKnown = false;
  for (const [id, a] of Object.entries(actions) as [ActionName, Action][]) {
    const name = matchPath(a.path, path);
    if (name === null) continue;
    pathKnown = true;
    if (a.method === req.method) found = [id, a, name];
  }
  if (!found) {
    return sendError(
      res,
      "bad-request",
      pathKnown ? `${req.method} is not allowed on ${path}` : `no such endpoint ${path}`,
      pathKnown ? 405 : 404,
    );
  }
  const [id, action, name] = found;
  let body: unknown;
  if (action.body) {
    let raw: unknown;
    try {
      raw = await readJson(req);
    } catch (e) {
      if (e instanceof ToolstackError) return sendError(res, e.code, e.message);
      throw e;
    }
    const checked = action.body.safeParse(raw);
    if (!checked.success)
      return sendError(res, "bad-request", `bad request: ${describeIssues(checked.error, raw)}`);
    body = checked.data;
  }
  const handler = handlers[id];
  if (!action.stream) {
    try {
      return sendJson(res, 200, await handler(manager, name, body as never, () => {}));
    } catch (e) {
      if (e instanceof ToolstackError) return sendError(res, e.code, e.message);
      throw e;
    }
  }
  // NDJSON: the status line goes out with the first progress event, so errors found before
  // any work (no such domain, busy) still get their own status.
  let last = 0;
  let phase = "";
  const line = (v: unknown): void => {
    if (!res.headersSent)
      res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
    res.write(`${JSON.stringify(v)}\n`);
  };
  try {
    const result = await handler(manager, name, body as never, (p) => {
      const now = performance.now();
      // Byte counts are throttled; a finished migration round or a new phase always goes out.
      if (now - last < PROGRESS_INTERVAL && res.headersSent && p.round === undefined && p.phase === phase)
        return;
      phase = p.phase;
      last = now;
      line({ progress: p });
    });
    line({ result });
  } catch (e) {
    const error =
      e instanceof ToolstackError
        ? { code: e.code, message: e.message }
        : { code: "internal" as const, message: (e as Error).message };
    if (!(e instanceof ToolstackError)) process.stderr.write(`ferryd: ${(e as Error).stack}\n`);
    if (!res.headersSent) return sendError(res, error.code, error.message);
    line({ error });
  }
  res.end();
}

function streamConsole(
  manager: DomainManager,
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  let log: ReturnType<DomainManager["consoleOf"]>;
  try {
    log = manager.consoleOf(name);
  } catch (e) {
    if (!(e instanceof ToolstackError)) throw e;
    sendError(res, e.code, e.message);
    return;
  }
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.write(log.history());
  const stop = log.follow((bytes) => {
    if (bytes === null) res.end();
    else res.write(bytes);
  });
  req.on("close", stop);
  res.on("close", stop);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ToolstackError("bad-request", `request body over ${MAX_BODY} bytes`);
    parts.push(chunk as Buffer);
  }
  const text = Buffer.concat(parts).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ToolstackError("bad-request", "request body is not JSON");
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, code: ErrorCode, message: string, status = STATUS_OF[code]): void {
  sendJson(res, status, { error: { code, message } });
}
