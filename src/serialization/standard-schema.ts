// Our own declarations of the Standard Schema interface, version 1 (https://standardschema.dev): the
// shape zod 4, valibot 1, arktype and others put on their schemas under `~standard`. They are
// structural, so kite-ws needs none of those libraries at run time or to compile.

/**
 * Any schema that follows the Standard Schema specification, version 1: zod 4, valibot 1, arktype
 * and others. `Input` is what the schema accepts, `Output` what a successful validation gives (they
 * differ when the schema has defaults or transforms).
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** What the specification asks a schema to expose; the prefix keeps it out of autocompletion. */
  readonly "~standard": StandardSchemaV1Props<Input, Output>;
}

/** The properties under a schema's `~standard` key. */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  /** The version of the specification the schema follows: always 1. */
  readonly version: 1;
  /** The library that made the schema, e.g. "zod" or "valibot". */
  readonly vendor: string;
  /** Checks a value: the result comes back directly, or as a promise when the schema is asynchronous. */
  readonly validate: (value: unknown) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** Carries the input and output types for inference only; never present at run time. */
  readonly types?: StandardSchemaV1Types<Input, Output> | undefined;
}

/** What `validate` gives: the output value, or the issues found. */
export type StandardSchemaV1Result<Output> = StandardSchemaV1SuccessResult<Output> | StandardSchemaV1FailureResult;

/** A successful validation: `issues` is absent. */
export interface StandardSchemaV1SuccessResult<Output> {
  /** The value the schema produced (with its defaults and transforms applied). */
  readonly value: Output;
  /** Absent on success. */
  readonly issues?: undefined;
}

/** A failed validation: `issues` says why. */
export interface StandardSchemaV1FailureResult {
  /** What is wrong with the value. */
  readonly issues: readonly StandardSchemaV1Issue[];
}

/** One problem found by a schema. */
export interface StandardSchemaV1Issue {
  /** A human-readable description of the problem. */
  readonly message: string;
  /** Where in the value the problem is: keys from the root, each bare or wrapped in `{ key }`. */
  readonly path?: readonly (PropertyKey | StandardSchemaV1PathSegment)[] | undefined;
}

/** A step of an issue's path, in its wrapped form. */
export interface StandardSchemaV1PathSegment {
  /** The property name or array index. */
  readonly key: PropertyKey;
}

/** The input and output types a schema declares, for type inference. */
export interface StandardSchemaV1Types<Input = unknown, Output = Input> {
  /** The type the schema accepts. */
  readonly input: Input;
  /** The type a successful validation gives. */
  readonly output: Output;
}

/** The type a schema accepts: what `sendSerialized(value, schema)` takes. */
export type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["input"];

/** The type a schema produces: what `receiveDeserialized(schema)` and `messages(schema)` give. */
export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema["~standard"]["types"]>["output"];
