import { Frame } from "../protocol/frame.js";
import { decodeUtf8 } from "../protocol/utf8.js";
import type { WebSocketContentConverter } from "./converter.js";

/** JSON in text frames (binary frames holding UTF-8 JSON are read too). */
export class JsonConverter implements WebSocketContentConverter {
  private readonly replacer: ((this: unknown, key: string, value: unknown) => unknown) | undefined;
  private readonly reviver: ((this: unknown, key: string, value: unknown) => unknown) | undefined;

  constructor(options: {
    replacer?: (this: unknown, key: string, value: unknown) => unknown;
    reviver?: (this: unknown, key: string, value: unknown) => unknown;
  } = {}) {
    this.replacer = options.replacer;
    this.reviver = options.reviver;
  }

  serialize(value: unknown): Frame.Text {
    const text = JSON.stringify(value, this.replacer);
    if (text === undefined) throw new TypeError(`JSON cannot represent a value of type ${typeof value}`);
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
