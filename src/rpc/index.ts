// kite-ws/rpc: calls and subscriptions over a session (JSON-RPC 2.0 and the DevTools dialect).
export { JsonRpcClient, type RpcSession } from "./json-rpc-client.js";
export { RpcSubscription } from "./subscription.js";
export { JsonRpcError, RpcClosedError, RpcConnectionLostError, RpcError, RpcProtocolError, RpcTimeoutError, type RpcProtocolErrorReason } from "./rpc-errors.js";
export type { RpcDialect, RpcId, RpcParams } from "./message-codec.js";
export type { RpcHandler, RpcRequest } from "./request-handlers.js";
export type {
  BatchEntry,
  BatchOptions,
  CallOptions,
  JsonRpcClientOptions,
  NotificationsOptions,
  SchemaCallOptions,
  SchemaSubscribeOptions,
  SubscribeOptions,
} from "./rpc-options.js";
