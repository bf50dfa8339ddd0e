import { typeError } from "../util/describe-value.js";
import { encodeError, encodeResult, type RpcDialect, type RpcId } from "./message-codec.js";
import { JsonRpcError } from "./rpc-errors.js";

/** A request (or notification) from the peer, as a handler sees it beside its params. */
export interface RpcRequest {
  /** The method the peer called. */
  readonly method: string;
  /** The request's id, or null for a notification (which gets no answer). */
  readonly id: RpcId | null;
  /** `"cdp"` dialect: the target session it came from, if any. */
  readonly sessionId: string | undefined;
}

/**
 * Answers the peer's calls of one method: the value it returns (or resolves with) is the result. To
 * answer with an error, throw a `JsonRpcError`; anything else thrown is answered -32603 "Internal
 * error", without its message (which may say more than the peer should know).
 */
export type RpcHandler = (params: unknown, request: RpcRequest) => unknown;

/** The handlers of `rpc.handle`, by method, and how their outcome becomes an answer. */
export class RequestHandlers {
  private readonly handlers = new Map<string, RpcHandler>();

  constructor(private readonly dialect: RpcDialect) {}

  /** Registers `handler` for `method` (replacing one registered before); returns a function that removes it. */
  set(method: string, handler: RpcHandler): () => void {
    if (typeof handler !== "function") throw typeError("handle(method, handler): handler", "a function (params, request) => result", handler);
    this.handlers.set(method, handler);
    return () => {
      if (this.handlers.get(method) === handler) this.handlers.delete(method);
    };
  }

  has(method: string): boolean {
    return this.handlers.has(method);
  }

  /**
   * Runs the handler of a request and gives its answer's text: -32601 without a handler. A
   * notification (`id` null) is handed to its handler, if any, and gets no answer (null).
   */
  async answer(request: RpcRequest, params: unknown): Promise<string | null> {
    const handler = this.handlers.get(request.method);
    const id = request.id;
    if (handler === undefined) {
      return id === null ? null : encodeError(this.dialect, id, { code: JsonRpcError.Codes.METHOD_NOT_FOUND, message: "Method not found", data: undefined });
    }
    let result: unknown;
    try {
      result = await handler(params, request);
    } catch (error) {
      if (id === null) return null;
      if (error instanceof JsonRpcError) return encodeError(this.dialect, id, { code: error.code, message: error.message, data: error.data });
      return encodeError(this.dialect, id, { code: JsonRpcError.Codes.INTERNAL_ERROR, message: "Internal error", data: undefined });
    }
    if (id === null) return null;
    try {
      return encodeResult(this.dialect, id, result);
    } catch {
      // A result JSON cannot hold (a BigInt, a cycle).
      return encodeError(this.dialect, id, { code: JsonRpcError.Codes.INTERNAL_ERROR, message: "Internal error: the result is not JSON", data: undefined });
    }
  }
}
