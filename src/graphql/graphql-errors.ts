import type { WebSocketErrorCode, WebSocketErrorOptions } from "../errors.js";
import { RpcError } from "../rpc/rpc-errors.js";
import type { GraphQLFormattedError } from "./graphql-types.js";

/**
 * A GraphQL operation failed as the protocol says: the server's `error` message (a document that
 * does not validate, a subscription it refused: `errors`), or a close code that ends the client
 * (4400, 4401, 4403, 4406, 4409: `closeCode`), or no `connection_ack` in time.
 */
export class GraphQLWsError extends RpcError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_GRAPHQL";
  /** The errors of the server's `error` message; empty when the failure was a close. */
  readonly errors: readonly GraphQLFormattedError[];
  /** The close code that ended the connection, or null. */
  readonly closeCode: number | null;

  constructor(message: string, errors: readonly GraphQLFormattedError[] = [], closeCode: number | null = null, options?: WebSocketErrorOptions) {
    super(message, options);
    this.errors = errors;
    this.closeCode = closeCode;
  }
}
