/**
 * The floor: a bare `node:net` socket that sends pre-built masked frames and only counts what comes
 * back (headers read, payloads skipped). Echoes that arrive in one chunk are answered with one write.
 */
import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";
import type { Payload } from "../lib/types.js";
import { FrameCounter, maskedFrame, upgradeRequest } from "../lib/wire.js";
import { deadline, elapsedUs, payloadValue, type BenchClient, type BenchConnection, type Exchange } from "./client.js";

/** Copies of a small frame laid end to end, so k frames are one `subarray` and one write. */
const BATCH_BYTES = 1 << 20;

function open(url: string): Promise<{ socket: Socket; rest: Buffer }> {
  const target = new URL(url);
  const { request, accept } = upgradeRequest(target);
  const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
  return new Promise((resolve, reject) => {
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      socket.off("error", reject);
      const text = head.subarray(0, end).toString("latin1");
      if (!text.startsWith("HTTP/1.1 101") || !text.includes(accept)) {
        socket.destroy();
        reject(new Error(`raw handshake refused: ${text.split("\r\n")[0]}`));
        return;
      }
      socket.pause();
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(request);
  });
}

export const client: BenchClient = {
  async connect(url: string, payload: Payload): Promise<BenchConnection> {
    const { socket, rest } = await open(url);
    socket.on("error", () => {});
    const value = payloadValue(payload);
    const frame = maskedFrame(payload.type === "text" ? 1 : 2, typeof value === "string" ? Buffer.from(value) : value);
    const copies = Math.max(1, Math.floor(BATCH_BYTES / frame.length));
    const batch = copies > 1 ? Buffer.concat(Array.from({ length: copies }, () => frame)) : frame;
    const counter = new FrameCounter();
    let onMessages: (n: number) => void = () => {};
    socket.on("data", (chunk: Buffer) => {
      const n = counter.push(chunk);
      if (n > 0) onMessages(n);
    });
    if (rest.length > 0) counter.push(rest);
    socket.resume();
    /** Sends `n` frames in one write (or, for frames too big to copy, one corked batch). */
    const send = (n: number): void => {
      if (copies > 1) {
        for (let left = n; left > 0; left -= copies) socket.write(batch.subarray(0, Math.min(left, copies) * frame.length));
        return;
      }
      if (n > 1) socket.cork();
      for (let i = 0; i < n; i++) socket.write(frame);
      if (n > 1) socket.uncork();
    };
    return {
      negotiated: "",
      pipeline(count: number, window: number, limitMs: number): Promise<Exchange> {
        return new Promise((resolve) => {
          const time = deadline(limitMs);
          const bytesBefore = counter.payloadBytes;
          let sent = 0;
          let received = 0;
          onMessages = (n) => {
            received += n;
            const more = time.late ? 0 : Math.min(n, count - sent);
            if (more > 0) {
              sent += more;
              send(more);
            } else if (received >= sent) {
              onMessages = () => {};
              time.cancel();
              resolve({ messages: received, bytes: counter.payloadBytes - bytesBefore });
            }
          };
          sent = Math.min(window, count);
          send(sent);
        });
      },
      latency(count: number, limitMs: number): Promise<number[]> {
        return new Promise((resolve) => {
          const time = deadline(limitMs);
          const samples: number[] = [];
          let start = process.hrtime.bigint();
          onMessages = () => {
            samples.push(elapsedUs(start));
            if (samples.length < count && !time.late) {
              start = process.hrtime.bigint();
              socket.write(frame);
            } else {
              onMessages = () => {};
              time.cancel();
              resolve(samples);
            }
          };
          socket.write(frame);
        });
      },
      async close(): Promise<void> {
        socket.end();
        socket.destroy();
      },
    };
  },
  async openIdle(url: string): Promise<unknown> {
    const { socket } = await open(url);
    socket.on("error", () => {});
    socket.resume();
    return socket;
  },
};
