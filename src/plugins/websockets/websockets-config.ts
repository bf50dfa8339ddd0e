import type { ChannelConfig, OverflowPolicy } from "../../session/channel.js";
import type { WebSocketContentConverter } from "../../serialization/converter.js";
import { DEFAULT_MAX_FRAME_SIZE } from "../../session/websocket-session.js";
import { toMillis, type Duration } from "../../util/duration.js";
import { rangeError, typeError } from "../../util/describe-value.js";
import { WebSocketExtensionsConfig } from "../../extensions/extensions-config.js";

/** Bounds of the session's channels, as Ktor 3's `WebSocketChannelsConfig`; bounded and "suspend" by default. */
export class WebSocketChannelsConfig {
  private incomingConfig: ChannelConfig = { capacity: 64, onOverflow: "suspend" };
  private outgoingConfig: ChannelConfig = { capacity: 64, onOverflow: "suspend" };

  /** Frames received but not yet taken; a full channel stops reading from the socket ("suspend"). */
  get incoming(): ChannelConfig {
    return this.incomingConfig;
  }

  /** Throws unless `capacity` is a whole number >= 1 or `Infinity` and `onOverflow` is "suspend" or "close". */
  set incoming(config: ChannelConfig) {
    this.incomingConfig = checkChannel(config, "channels.incoming");
  }

  /** Frames queued to send; a full channel makes `send` wait ("suspend") or fails ("close"). */
  get outgoing(): ChannelConfig {
    return this.outgoingConfig;
  }

  /** Throws unless `capacity` is a whole number >= 1 or `Infinity` and `onOverflow` is "suspend" or "close". */
  set outgoing(config: ChannelConfig) {
    this.outgoingConfig = checkChannel(config, "channels.outgoing");
  }
}

/**
 * The WebSockets plugin's settings (`install(WebSockets, (ws) => { ... })`). Every setter checks its
 * value at once and throws a `RangeError` / `TypeError` that names the setting.
 */
export class WebSocketsConfig {
  private pingMillis: number | null = null;
  private timeout: number | null = null;
  private frameSize = DEFAULT_MAX_FRAME_SIZE;
  private messageSize: number | null = null;
  private converter: WebSocketContentConverter | null = null;
  /** @internal Which settings the user touched, for engine capability checks. */
  readonly touched = new Set<"pingInterval" | "maxFrameSize">();
  /** Channel bounds. */
  readonly channels = new WebSocketChannelsConfig();
  /** @internal The extensions installed through `extensions(...)`. */
  readonly extensionsConfig = new WebSocketExtensionsConfig();

  /**
   * Installs extensions to offer, as Ktor's `extensions { install(WebSocketDeflateExtension) { ... } }`:
   * `ws.extensions((e) => e.install(WebSocketDeflateExtension, (d) => { d.compressIfBiggerThan(1024) }))`.
   * The block runs at once; calling `extensions` again adds to what is installed.
   */
  extensions(configure: (extensions: WebSocketExtensionsConfig) => void): void {
    if (typeof configure !== "function") throw typeError("extensions(configure): configure", "a function (e) => e.install(...)", configure);
    configure(this.extensionsConfig);
  }

  /** Milliseconds between pings the client sends; null or 0 for none (the default). */
  get pingIntervalMillis(): number | null {
    return this.pingMillis;
  }

  /** Takes a finite number >= 0 (0 means none) or null; a `TypeError` / `RangeError` otherwise. */
  set pingIntervalMillis(millis: number | null) {
    if (millis === null) {
      this.pingMillis = null;
      return;
    }
    if (typeof millis !== "number") throw typeError("pingIntervalMillis", "a number of milliseconds or null (for a duration: pingInterval = \"20s\")", millis);
    this.pingMillis = toMillis(millis, "pingIntervalMillis") || null;
    this.touched.add("pingInterval");
  }

  /** The ping interval as a duration: milliseconds or "500ms", "20s", "1m", "1h"; null for none. */
  get pingInterval(): Duration | null {
    return this.pingMillis;
  }

  /** Takes a duration (0 means none) or null; a `RangeError` for anything else. */
  set pingInterval(interval: Duration | null) {
    this.pingMillis = interval === null ? null : toMillis(interval, "pingInterval") || null;
    if (interval !== null) this.touched.add("pingInterval");
  }

  /** Pong and close handshake deadline in ms; by default twice the ping interval, or 15 s without pings. */
  get timeoutMillis(): number {
    return this.timeout ?? (this.pingMillis !== null ? this.pingMillis * 2 : 15_000);
  }

  /** Throws a `RangeError` unless a positive, finite number. */
  set timeoutMillis(millis: number) {
    if (typeof millis !== "number") throw typeError("timeoutMillis", "a positive number of milliseconds", millis);
    if (!Number.isFinite(millis) || millis <= 0) throw rangeError("timeoutMillis", "a positive, finite number of milliseconds", millis);
    this.timeout = millis;
  }

  /** Largest frame received or sent, in bytes (default 100 MiB). */
  get maxFrameSize(): number {
    return this.frameSize;
  }

  /** Throws a `RangeError` unless a whole number >= 1. An engine without `frameSizeLimit` refuses any value. */
  set maxFrameSize(bytes: number) {
    this.frameSize = checkSize(bytes, "maxFrameSize");
    this.touched.add("maxFrameSize");
  }

  /** Largest reassembled message, in bytes (default: `maxFrameSize`). */
  get maxMessageSize(): number {
    return this.messageSize ?? this.frameSize;
  }

  /** Throws a `RangeError` unless a whole number >= 1. */
  set maxMessageSize(bytes: number) {
    this.messageSize = checkSize(bytes, "maxMessageSize");
  }

  /** Serialization for `sendSerialized` / `receiveDeserialized`, e.g. `new JsonConverter()`. */
  get contentConverter(): WebSocketContentConverter | null {
    return this.converter;
  }

  /** Takes null or an object with `serialize` and `deserialize` methods; a `TypeError` otherwise. */
  set contentConverter(converter: WebSocketContentConverter | null) {
    if (
      converter !== null &&
      (typeof converter !== "object" || typeof converter.serialize !== "function" || typeof converter.deserialize !== "function")
    ) {
      throw typeError("contentConverter", "null or a converter with serialize() and deserialize(), like new JsonConverter()", converter);
    }
    this.converter = converter;
  }
}

function checkSize(bytes: number, what: string): number {
  if (typeof bytes !== "number") throw typeError(what, "a whole number of bytes >= 1", bytes);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw rangeError(what, "a whole number of bytes >= 1", bytes);
  return bytes;
}

/** @internal Validates a channel bound (also used when the client is built, for in-place edits). */
export function checkChannel(config: ChannelConfig, what: string): ChannelConfig {
  if (config === null || typeof config !== "object") throw typeError(what, "an object { capacity, onOverflow }", config);
  const { capacity, onOverflow } = config;
  if (typeof capacity !== "number") throw typeError(`${what}.capacity`, "a whole number >= 1 or Infinity", capacity);
  if (!(capacity === Infinity || (Number.isSafeInteger(capacity) && capacity >= 1))) {
    throw rangeError(`${what}.capacity`, "a whole number >= 1 or Infinity", capacity);
  }
  if (onOverflow !== "suspend" && onOverflow !== "close") {
    throw (typeof onOverflow === "string" ? rangeError : typeError)(`${what}.onOverflow`, '"suspend" or "close"', onOverflow as OverflowPolicy);
  }
  return { capacity, onOverflow };
}
