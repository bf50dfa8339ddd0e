/** An error of a GraphQL result, as the server formats it (the GraphQL spec's "Errors" section). */
export interface GraphQLFormattedError {
  /** What went wrong, for a developer. */
  readonly message: string;
  /** Where in the document, when the error is about a part of it. */
  readonly locations?: readonly {
    /** 1-based line in the document. */
    readonly line: number;
    /** 1-based column in the line. */
    readonly column: number;
  }[];
  /** The path of the field that failed, for an error in a resolver. */
  readonly path?: readonly (string | number)[];
  /** Whatever else the server adds (a `code`, ...). */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** One result of an operation: `data` and/or `errors` (a resolver that failed gives both). */
export interface ExecutionResult<TData = Record<string, unknown>, TExtensions = Record<string, unknown>> {
  /** The data, null when the operation failed as a whole; absent when nothing ran. */
  readonly data?: TData | null;
  /** What failed (resolvers that threw, with their `path`); absent when nothing did. */
  readonly errors?: readonly GraphQLFormattedError[];
  /** Whatever else the server adds (tracing, costs). */
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
  /** graphql-js's node kind of a document. */
  readonly kind: "Document";
  /** Where the document was parsed from. */
  readonly loc?: {
    /** The source parsed. */
    readonly source: {
      /** Its text: what is sent. */
      readonly body: string;
    };
  };
  /** Never present: carries the types (as `TypedDocumentNode` does). */
  readonly __apiType?: (variables: TVariables) => TData;
}

/** An operation to run: its document, and its variables, operation name and extensions if any. */
export interface GraphQLRequest<TData = Record<string, unknown>, TVariables = Record<string, unknown>> {
  /** The document: text, a typed string, or a parsed document with its source. */
  readonly query: string | TypedDocumentString<TData, TVariables> | DocumentWithSource<TData, TVariables>;
  /** The values of the document's variables. */
  readonly variables?: TVariables;
  /** Which operation of the document to run, when it has several. */
  readonly operationName?: string;
  /** Protocol extensions for the server (persisted queries, ...). */
  readonly extensions?: Readonly<Record<string, unknown>>;
}
