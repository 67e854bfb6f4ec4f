/**
 * Where ferryd listens: the API (HTTP, 127.0.0.1:7780) and migration (TCP, 127.0.0.1:7781)
 * addresses, and the ADDR:PORT text users give for them (--api, --migration, --host,
 * FERRY_HOST, `ferry migrate NAME HOST[:PORT]`).
 */
export const DEFAULT_API_PORT = 7780;
export const DEFAULT_MIGRATION_PORT = 7781;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * "ADDR:PORT", "ADDR", ":PORT" or "PORT"; IPv6 addresses in brackets; ADDR defaults to
 * 127.0.0.1. Port 0 asks a listener for any free port.
 */
export function parseHostPort(text: string, defaultPort: number): HostPort {
  const t = text.trim();
  let host = "127.0.0.1";
  let port: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(t);
  if (v6) [, host = host, port] = v6;
  else if (/^\d+$/.test(t)) port = t;
  else if (t.includes(":"))
    [host, port] = [t.slice(0, t.lastIndexOf(":")) || host, t.slice(t.lastIndexOf(":") + 1)];
  else host = t;
  const n = port === undefined ? defaultPort : /^\d{1,5}$/.test(port) ? Number(port) : -1;
  if (host === "" || /[\s[\]/]/.test(host) || (!v6 && host.includes(":")) || n < 0 || n > 65535) {
    throw new RangeError("expected ADDR:PORT, e.g. 127.0.0.1:7780.");
  }
  return { host, port: n };
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
