/**
 * The fan-out scenario's client process: `connections` subscribers (`ws` clients, whatever the
 * server), and rounds in which one of them asks the server to publish one message to all; a round
 * ends when the last subscriber has it. The figures are the server's CPU per delivered message (read
 * by the parent between the marks) and the time from the request to the last delivery. As the
 * "raw" client, it asks for the floor instead ("publish-raw", on ws's server only): one pre-built frame
 * written to each subscriber's socket, nothing else.
 */
import WebSocket from "ws";
import type { RunResult, RunSpec } from "../lib/types.js";

export interface FanoutRun {
  /** Delivered messages in the measured rounds. */
  readonly messages: number;
  /** Time until the last subscriber had each round's message, in microseconds. */
  readonly samples: number[];
}

export async function openSubscribers(spec: RunSpec): Promise<{ sockets: WebSocket[]; round(): Promise<number> }> {
  const sockets: WebSocket[] = [];
  let received = 0;
  let wake: (() => void) | null = null;
  for (let opened = 0; opened < spec.connections; opened += spec.openBatch) {
    const batch = Math.min(spec.openBatch, spec.connections - opened);
    await Promise.all(
      Array.from({ length: batch }, () =>
        new Promise<void>((resolve, reject) => {
          const socket = new WebSocket(spec.url);
          socket.on("message", () => {
            if (++received === sockets.length) wake?.();
          });
          socket.once("open", () => resolve());
          socket.once("error", reject);
          sockets.push(socket);
        }),
      ),
    );
  }
  const round = (): Promise<number> =>
    new Promise((resolve) => {
      received = 0;
      const started = process.hrtime.bigint();
      wake = () => {
        wake = null;
        resolve(Number(process.hrtime.bigint() - started) / 1000);
      };
      sockets[0].send(`${spec.client === "raw" ? "publish-raw" : "publish"} ${spec.payload.size}`);
    });
  return { sockets, round };
}

/** `rounds` rounds, one after another. */
export async function fanoutRounds(round: () => Promise<number>, rounds: number, connections: number): Promise<FanoutRun> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(await round());
  return { messages: rounds * connections, samples };
}

export function fanoutResult(spec: RunSpec, run: FanoutRun, used: NodeJS.CpuUsage, wallMs: number, summary: RunResult["latencyUs"]): RunResult {
  return { client: spec.client, messages: run.messages, bytes: run.messages * spec.payload.size, cpuUserUs: used.user, cpuSystemUs: used.system, wallMs, latencyUs: summary };
}
