// A small JSON-RPC 2.0 server written for these tests (the interop tests use servers kite-ws did not
// write): methods answered from a table, eth-style subscriptions, and hooks to send anything.
import { Frame } from "../../src/index.js";
import type { MockServerSession } from "../../src/testing/index.js";
import type { DefaultWebSocketServerSession } from "../../src/server/index.js";

type Session = MockServerSession | DefaultWebSocketServerSession;
export type Method = (params: unknown, peer: RpcPeer) => unknown;

/** One connection's server side. */
export class RpcPeer {
  readonly received: unknown[] = [];
  private nextSubscription = 1;
  readonly subscriptions = new Set<string>();

  constructor(
    readonly session: Session,
    private readonly methods: Record<string, Method>,
  ) {}

  send(value: unknown): Promise<void> {
    return this.session.send(typeof value === "string" ? value : JSON.stringify(value));
  }

  /** Sends a notification for each live subscription. */
  async publish(result: unknown): Promise<void> {
    for (const id of this.subscriptions) await this.send({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: id, result } });
  }

  async run(): Promise<void> {
    for await (const frame of this.session.incoming) {
      if (!(frame instanceof Frame.Text)) continue;
      const message: unknown = JSON.parse(frame.readText());
      this.received.push(message);
      // Each request is answered when it is done, while the next ones are read (a slow method holds up none).
      void this.reply(message).catch(() => {});
    }
  }

  private async reply(message: unknown): Promise<void> {
    if (Array.isArray(message)) {
      const answers = await Promise.all(message.map((m) => this.answer(m as Request)));
      await this.send(answers.filter((a) => a !== null));
    } else {
      const answer = await this.answer(message as Request);
      if (answer !== null) await this.send(answer);
    }
  }

  private async answer(request: Request): Promise<unknown> {
    if (request.id === undefined) return null;
    if (request.method === "eth_subscribe") {
      const id = `0x${(this.nextSubscription++).toString(16)}`;
      this.subscriptions.add(id);
      return { jsonrpc: "2.0", id: request.id, result: id };
    }
    if (request.method === "eth_unsubscribe") {
      const id = (request.params as string[])[0];
      return { jsonrpc: "2.0", id: request.id, result: this.subscriptions.delete(id) };
    }
    const method = this.methods[request.method];
    if (method === undefined) return { jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } };
    try {
      return { jsonrpc: "2.0", id: request.id, result: await method(request.params, this) };
    } catch (error) {
      const e = error as { code?: number; message: string; data?: unknown };
      return { jsonrpc: "2.0", id: request.id, error: { code: e.code ?? -32000, message: e.message, data: e.data } };
    }
  }
}

interface Request {
  id?: number | string;
  method: string;
  params?: unknown;
}

export const delay = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));
