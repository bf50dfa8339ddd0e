import type { Frame } from "../protocol/frame.js";
import { SchemaValidationError } from "./serialization-errors.js";
import { typeError } from "../util/describe-value.js";
import { isThenable } from "../util/thenable.js";
import type {
  InferOutput,
  StandardSchemaV1,
  StandardSchemaV1Issue,
  StandardSchemaV1SuccessResult,
} from "./standard-schema.js";

/** A schema's success: given at once when the schema is synchronous, so a buffered message needs no promise. */
export type Validated<T> = StandardSchemaV1SuccessResult<T> | Promise<StandardSchemaV1SuccessResult<T>>;

/** Issues named in an error's message; the rest are counted. */
const LISTED_ISSUES = 3;
/** Characters per named issue (path and message): issues may quote what the peer sent. */
const ISSUE_CHARS = 120;

/** Throws a `TypeError` unless `schema` looks like a Standard Schema; called before any frame is taken or sent. */
export function requireSchema(schema: unknown): asserts schema is StandardSchemaV1 {
  const props = (schema as { "~standard"?: { validate?: unknown } } | null | undefined)?.["~standard"];
  if (typeof props?.validate !== "function") {
    throw typeError("schema", "a Standard Schema (zod, valibot, arktype, ...): an object whose `~standard.validate` is a function", schema);
  }
}

/**
 * Runs `schema` on `value`. Success gives the schema's own result, whose `value` is the output;
 * failure throws (or rejects with) `SchemaValidationError` carrying `frame`. A `validate` that throws
 * or answers with something other than a result fails the same way, with the reason as `cause`.
 */
export function validateWithSchema<S extends StandardSchemaV1>(schema: S, value: unknown, frame: Frame | null): Validated<InferOutput<S>> {
  let result: unknown;
  try {
    result = schema["~standard"].validate(value);
  } catch (error) {
    throw validatorFailed(schema, error, frame);
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (settled: unknown) => successOf<InferOutput<S>>(schema, settled, frame),
      (error: unknown) => {
        throw validatorFailed(schema, error, frame);
      },
    );
  }
  return successOf<InferOutput<S>>(schema, result, frame);
}

/** The success in `result`, or the `SchemaValidationError` its issues make. */
function successOf<T>(schema: StandardSchemaV1, result: unknown, frame: Frame | null): StandardSchemaV1SuccessResult<T> {
  if (result === null || typeof result !== "object") {
    throw validatorFailed(schema, new TypeError(`validate() gave ${String(result)} instead of a result`), frame);
  }
  const { issues } = result as { issues?: unknown };
  if (issues === undefined || issues === null) return result as StandardSchemaV1SuccessResult<T>;
  const list = Array.isArray(issues) ? (issues as StandardSchemaV1Issue[]) : [{ message: String(issues) }];
  const what = frame === null ? "Not sent: the value failed" : "Received message failed";
  throw new SchemaValidationError(`${what} ${vendorOf(schema)} validation: ${summarizeIssues(list)}`, list, frame);
}

function validatorFailed(schema: StandardSchemaV1, error: unknown, frame: Frame | null): SchemaValidationError {
  const reason = clip(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  const what = frame === null ? "Not sent: the value" : "Received message";
  return new SchemaValidationError(
    `${what} could not be validated: the ${vendorOf(schema)} schema's validate() threw ${reason}`,
    [{ message: `validate() threw ${reason}` }],
    frame,
    { cause: error },
  );
}

function vendorOf(schema: StandardSchemaV1): string {
  return clip(String(schema["~standard"].vendor), 40);
}

/** `path: message` for the first few issues, each clipped, then how many more there are. */
export function summarizeIssues(issues: readonly StandardSchemaV1Issue[]): string {
  if (issues.length === 0) return "no issue was given";
  const named = issues.slice(0, LISTED_ISSUES).map((issue) => {
    const path = formatPath(issue?.path);
    const message = String(issue?.message);
    return clip(path === "" ? message : `${path}: ${message}`);
  });
  const more = issues.length - named.length;
  return named.join("; ") + (more > 0 ? `; and ${more} more` : "");
}

/** `user.tags[2]`; stops once it is longer than any message could show. */
function formatPath(path: StandardSchemaV1Issue["path"]): string {
  if (!Array.isArray(path)) return "";
  let text = "";
  for (const step of path as readonly unknown[]) {
    const key = typeof step === "object" && step !== null ? (step as { key: unknown }).key : step;
    text += typeof key === "number" ? `[${key}]` : `${text === "" ? "" : "."}${String(key)}`;
    if (text.length > ISSUE_CHARS) break;
  }
  return text;
}

/** At most `max` characters, on one line: a peer's data must not stretch or forge log lines. */
function clip(text: string, max = ISSUE_CHARS): string {
  const line = text.replace(/\p{Cc}+/gu, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
