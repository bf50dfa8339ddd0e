import { Frame } from "../protocol/frame.js";
import { decodeUtf8 } from "../protocol/utf8.js";
import type { WebSocketContentConverter } from "./converter.js";
import { describeValue, typeError } from "../util/describe-value.js";

/** JSON in text frames (binary frames holding UTF-8 JSON are read too). */
export class JsonConverter implements WebSocketContentConverter {
  private readonly replacer: ((this: unknown, key: string, value: unknown) => unknown) | undefined;
  private readonly reviver: ((this: unknown, key: string, value: unknown) => unknown) | undefined;

  constructor(options: {
    replacer?: (this: unknown, key: string, value: unknown) => unknown;
    reviver?: (this: unknown, key: string, value: unknown) => unknown;
  } = {}) {
    if (options === null || typeof options !== "object") throw typeError("new JsonConverter(options): options", "an object { replacer?, reviver? }", options);
    for (const name of ["replacer", "reviver"] as const) {
      const value: unknown = options[name];
      if (value !== undefined && typeof value !== "function") throw typeError(`new JsonConverter(options): options.${name}`, "a function", value);
    }
    this.replacer = options.replacer;
    this.reviver = options.reviver;
  }

  serialize(value: unknown): Frame.Text {
    const text = JSON.stringify(value, this.replacer);
    if (text === undefined) throw new TypeError(`JSON cannot represent ${describeValue(value)}`);
    return new Frame.Text(text);
  }

  deserialize(frame: Frame.Text | Frame.Binary): unknown {
    const text = frame instanceof Frame.Text ? frame.readText() : decodeUtf8(frame.data);
    return JSON.parse(text, this.reviver);
  }

  isApplicable(frame: Frame): boolean {
    return frame instanceof Frame.Text || frame instanceof Frame.Binary;
  }
}
