/**
 * Helpers the image tests share (image-codec.test.ts, image-restore.test.ts) and the
 * migration wire-format test: test code only.
 */

/** The chunks joined into one array, as a file or a stream would hold them. */
export function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const list = [...chunks];
  const out = new Uint8Array(list.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of list) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
