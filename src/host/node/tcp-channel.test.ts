/**
 * The TCP ByteChannel's `flushed` (core/migration/byte-channel.ts): it resolves only once the
 * socket is done with every chunk written, so that the sender may reuse their memory — and a
 * chunk changed after that does not change what the peer reads.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { test } from "node:test";
import { connectChannel } from "./tcp-channel.js";

test("tcpChannel: flushed() waits while the kernel cannot take the bytes, and what was flushed arrives as written", async () => {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const channel = await connectChannel("127.0.0.1", (server.address() as AddressInfo).port);
  const [peer] = await accepted;
  peer.pause(); // reads nothing: the socket buffers fill
  try {
    const chunk = new Uint8Array(32 << 20).fill(7);
    const taken = channel.write(chunk);
    let flushed = false;
    const done = channel.flushed().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(flushed, false, "32 MiB do not fit in the kernel's buffers while the peer reads nothing");
    let received = 0;
    let wrong = 0;
    peer.on("data", (b: Buffer) => {
      for (const x of b) if (x !== 7) wrong++;
      received += b.length;
    });
    peer.resume();
    await taken;
    await done;
    chunk.fill(9); // the socket is done with it: what the peer reads must not change
    const more = Uint8Array.of(7);
    await channel.write(more);
    await channel.flushed();
    while (received < chunk.length + 1) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(received, chunk.length + 1);
    assert.equal(wrong, 0);
  } finally {
    channel.close();
    peer.destroy();
    server.close();
  }
});
