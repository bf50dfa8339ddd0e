/** An error of a GraphQL result, as the server formats it (the GraphQL spec's "Errors" section). */
export interface GraphQLFormattedError {
  /** What went wrong, for a developer. */
  readonly message: string;
  /** Where in the document, when the error is about a part of it. */
  readonly locations?: readonly { readonly line: number; readonly column: number }[];
  /** The path of the field that failed, for an error in a resolver. */
  readonly path?: readonly (string | number)[];
  /** Whatever else the server adds (a `code`, ...). */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** One result of an operation: `data` and/or `errors` (a resolver that failed gives both). */
export interface ExecutionResult<TData = Record<string, unknown>, TExtensions = Record<string, unknown>> {
  readonly data?: TData | null;
  readonly errors?: readonly GraphQLFormattedError[];
  readonly extensions?: TExtensions;
}

/**
 * A document typed with its result and variables, as GraphQL Code Generator's `TypedDocumentString`
 * (with `documentMode: "string"`) makes them: a string at run time, its types only for the compiler.
 */
export type TypedDocumentString<TData, TVariables> = string & {
  /** Never present: carries the types. */
  readonly __apiType?: (variables: TVariables) => TData;
};

/**
 * A parsed document (graphql-js's `DocumentNode`, `TypedDocumentNode` of `@graphql-typed-document-node/core`):
 * its source text is sent, read from `loc.source.body` (documents parsed with `noLocation` have none).
 */
export interface DocumentWithSource<TData = unknown, TVariables = unknown> {
  readonly kind: "Document";
  readonly loc?: { readonly source: { readonly body: string } };
  /** Never present: carries the types (as `TypedDocumentNode` does). */
  readonly __apiType?: (variables: TVariables) => TData;
}

/** An operation to run: its document, and its variables, operation name and extensions if any. */
export interface GraphQLRequest<TData = Record<string, unknown>, TVariables = Record<string, unknown>> {
  /** The document: text, a typed string, or a parsed document with its source. */
  readonly query: string | TypedDocumentString<TData, TVariables> | DocumentWithSource<TData, TVariables>;
  readonly variables?: TVariables;
  readonly operationName?: string;
  readonly extensions?: Readonly<Record<string, unknown>>;
}
