/**
 * The client side of ferryd's API: calls an action of the vocabulary (api/actions.ts) and
 * checks the response against the action's schema, so a CLI or UI built on it gets typed,
 * validated values or one ClientError with the daemon's error code. The daemon is found from
 * `--host`, else FERRY_HOST, else 127.0.0.1:7780.
 */
import { z } from "zod";
import {
  type ActionName,
  actionPath,
  actions,
  CONSOLE_PATH,
  type RequestOf,
  type ResponseOf,
} from "../api/actions.js";
import { DEFAULT_API_PORT } from "../api/addresses.js";
import { ErrorBody, type ErrorCode, Progress } from "../api/schemas.js";

export const DEFAULT_HOST = `127.0.0.1:${DEFAULT_API_PORT}`;

/** An action that failed: the daemon's code, "unreachable" (no daemon) or "protocol" (a bad answer). */
export class ClientError extends Error {
  constructor(
    readonly code: ErrorCode | "unreachable" | "protocol",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ClientError";
  }
}

export interface CallOptions<A extends ActionName> {
  readonly name?: string;
  readonly body?: RequestOf<A>;
  readonly onProgress?: (p: Progress) => void;
}

const StreamLine = z.union([z.object({ progress: Progress }), z.object({ result: z.unknown() }), ErrorBody]);

export class FerryClient {
  readonly base: string;

  constructor(readonly host: string = process.env.FERRY_HOST || DEFAULT_HOST) {
    this.base = /^https?:\/\//.test(host) ? host.replace(/\/$/, "") : `http://${host}`;
  }

  async call<A extends ActionName>(action: A, options: CallOptions<A> = {}): Promise<ResponseOf<A>> {
    const a = actions[action];
    const res = await this.fetch(actionPath(a.path, options.name), {
      method: a.method,
      ...(a.body
        ? { body: JSON.stringify(options.body ?? {}), headers: { "content-type": "application/json" } }
        : {}),
    });
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok || !("stream" in a && a.stream) || !type.includes("ndjson")) {
      const value = await this.json(res);
      return this.check(a.response, value) as ResponseOf<A>;
    }
    for await (const line of lines(res)) {
      let parsed: z.infer<typeof StreamLine>;
      try {
        parsed = StreamLine.parse(JSON.parse(line));
      } catch (e) {
        throw new ClientError("protocol", `ferryd sent a bad progress line: ${line.slice(0, 80)}`, {
          cause: e,
        });
      }
      if ("progress" in parsed) options.onProgress?.(parsed.progress);
      else if ("error" in parsed) throw new ClientError(parsed.error.code, parsed.error.message);
      else return this.check(a.response, parsed.result) as ResponseOf<A>;
    }
    throw new ClientError("protocol", "ferryd ended the response before the result (did it stop?)");
  }

  /** A domain's console output: its recent history, then live until the domain or the caller ends it. */
  async console(name: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.fetch(actionPath(CONSOLE_PATH, name), {
      method: "GET",
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) await this.json(res);
    const body = res.body;
    if (!body) throw new ClientError("protocol", "ferryd sent no console stream");
    return body as AsyncIterable<Uint8Array>;
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.base}${path}`, init);
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      const cause = (e as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })
        .cause;
      // Several addresses tried (localhost: ::1 and 127.0.0.1) fail as an AggregateError.
      const code = cause?.code ?? cause?.errors?.find((x) => x.code)?.code;
      const why =
        code === "ECONNREFUSED"
          ? "connection refused (is ferryd running?)"
          : (code ?? cause?.message ?? (e as Error).message);
      throw new ClientError("unreachable", `cannot reach ferryd at ${this.host}: ${why}`, { cause: e });
    }
  }

  /** The body of a plain JSON response, or the ClientError it carries. */
  private async json(res: Response): Promise<unknown> {
    let value: unknown;
    try {
      value = await res.json();
    } catch (e) {
      throw new ClientError("protocol", `ferryd answered ${res.status} without JSON`, { cause: e });
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(value);
      if (err.success) throw new ClientError(err.data.error.code, err.data.error.message);
      throw new ClientError("protocol", `ferryd answered ${res.status}`);
    }
    return value;
  }

  private check(schema: z.ZodType, value: unknown): unknown {
    const r = schema.safeParse(value);
    if (!r.success)
      throw new ClientError("protocol", `ferryd's answer does not match the API: ${r.error.message}`);
    return r.data;
  }
}

async function* lines(res: Response): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield line;
      nl = pending.indexOf("\n");
    }
  }
  if (pending.trim()) yield pending.trim();
}
