// kite-ws/graphql: GraphQL over WebSocket, the graphql-transport-ws protocol (graphql-ws's).
export { GraphQLWsClient } from "./graphql-ws-client.js";
export { GraphQLWsError } from "./graphql-errors.js";
export { CloseCodes as GraphQLWsCloseCodes, GRAPHQL_TRANSPORT_WS } from "./protocol-messages.js";
export type { ConnectionParams } from "./connection-handshake.js";
export type { DocumentWithSource, ExecutionResult, GraphQLFormattedError, GraphQLRequest, TypedDocumentString } from "./graphql-types.js";
export type { GraphQLWsClientOptions, OperationOptions, SchemaOperationOptions } from "./graphql-options.js";
