import type { Frame } from "../protocol/frame.js";
import type { StandardSchemaV1 } from "../serialization/standard-schema.js";
import { validateWithSchema } from "../serialization/schema-validation.js";
import { MessageStream } from "../rpc/message-stream.js";
import type { ReadGate } from "../rpc/read-gate.js";
import type { ExecutionResult } from "./graphql-types.js";

/** What an operation asks of the client that runs it. */
export interface OperationHost {
  /** The consumer stopped (a `break`): tell the server with `complete` and forget the operation. */
  stop(operation: Operation): void;
}

/**
 * One operation of a client, by its id: its `subscribe` message (kept to send it again on a new
 * connection), and where its results go. A subscription's results are an async iterator with
 * backpressure; `execute` takes the first result.
 */
export class Operation implements AsyncIterableIterator<ExecutionResult<unknown>> {
  /** The connection its `subscribe` went out on (see `RpcLink.sendEpoch`). */
  epoch = 0;
  /** A result came (for `execute`: the one it resolves with). */
  answered = false;
  private readonly stream: MessageStream<{ readonly result: ExecutionResult<unknown>; readonly frame: Frame }>;

  constructor(
    readonly id: string,
    /** The `subscribe` message's text. */
    readonly message: string,
    /** A subscription (results until `complete`) or one result (`execute`). */
    readonly kind: "subscription" | "single",
    /** Sent again after a lost connection: subscriptions, and executions made with `retry`. */
    readonly resumable: boolean,
    private readonly schema: StandardSchemaV1 | null,
    bufferSize: number,
    gate: ReadGate,
    private readonly host: OperationHost,
  ) {
    this.stream = new MessageStream(bufferSize, gate, () => host.stop(this));
  }

  get isEnded(): boolean {
    return this.stream.isEnded;
  }

  /** A `next` message's result, and the frame that carried it (for a schema's error). */
  push(result: ExecutionResult<unknown>, frame: Frame): void {
    this.answered = true;
    this.stream.push({ result, frame });
  }

  /** No more results: after what is buffered, the iteration throws `error` (or ends). */
  end(error: Error | null): void {
    this.stream.end(error);
  }

  /** The next result, its `data` checked against the schema when one was given. */
  async next(): Promise<IteratorResult<ExecutionResult<unknown>>> {
    const next = await this.stream.next();
    if (next.done === true) return { value: undefined, done: true };
    const { result, frame } = next.value;
    if (this.schema === null || result.data === undefined || result.data === null) return { value: result, done: false };
    try {
      const checked = await validateWithSchema(this.schema, result.data, frame);
      return { value: { ...result, data: checked.value }, done: false };
    } catch (error) {
      void this.stream.return();
      throw error;
    }
  }

  /** `break`: the server is told `complete`. */
  async return(): Promise<IteratorResult<ExecutionResult<unknown>>> {
    await this.stream.return();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult<unknown>> {
    return this;
  }
}
