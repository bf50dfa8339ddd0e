import type { ChannelConfig } from "../../session/channel.js";
import type { WebSocketContentConverter } from "../../serialization/converter.js";
import { DEFAULT_CHANNEL, DEFAULT_MAX_FRAME_SIZE } from "../../session/websocket-session.js";
import { checkChannel, defaultTimeoutMillis } from "../../session/session-settings.js";
import type { Duration } from "../../util/duration.js";
import { typeError } from "../../util/describe-value.js";
import { checkDuration, checkMillis, checkWhole } from "../../engine/config-checks.js";
import { WebSocketExtensionsConfig } from "../../extensions/extensions-config.js";

/** Bounds of the session's channels, as Ktor 3's `WebSocketChannelsConfig`; bounded and "suspend" by default. */
export class WebSocketChannelsConfig {
  // Copies: a bound may be changed in place (`ws.channels.incoming.capacity = 8`).
  private incomingConfig: ChannelConfig = { ...DEFAULT_CHANNEL };
  private outgoingConfig: ChannelConfig = { ...DEFAULT_CHANNEL };

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
  private timeoutValue: number | null = null;
  private frameSize = DEFAULT_MAX_FRAME_SIZE;
  private messageSize: number | null = null;
  private converter: WebSocketContentConverter | null = null;
  #frameSizeSet = false;
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

  /** The interval between the pings the client sends, in milliseconds; null for none (the default). */
  get pingInterval(): number | null {
    return this.pingMillis;
  }

  /** Takes a duration ("20s", "500ms" or a number of milliseconds; 0 means none) or null. */
  set pingInterval(interval: Duration | null) {
    this.pingMillis = interval === null ? null : checkDuration(interval, "pingInterval", { zero: true }) || null;
  }

  /** `pingInterval` in milliseconds; null for none. */
  get pingIntervalMillis(): number | null {
    return this.pingMillis;
  }

  /** Takes a number of milliseconds (0 means none) or null; for a duration such as "20s", set `pingInterval`. */
  set pingIntervalMillis(millis: number | null) {
    this.pingMillis = millis === null ? null : checkMillis(millis, "pingIntervalMillis", "pingInterval", { zero: true }) || null;
  }

  /**
   * The pong and close handshake deadline, in milliseconds: by default twice the ping interval, or
   * 15 s without pings.
   */
  get timeout(): number {
    return this.timeoutValue ?? defaultTimeoutMillis(this.pingMillis);
  }

  /** Takes a duration of more than 0: "30s", "500ms" or a number of milliseconds. */
  set timeout(timeout: Duration) {
    this.timeoutValue = checkDuration(timeout, "timeout");
  }

  /** `timeout` in milliseconds. */
  get timeoutMillis(): number {
    return this.timeout;
  }

  /** Takes a number of milliseconds > 0; for a duration such as "30s", set `timeout`. */
  set timeoutMillis(millis: number) {
    this.timeoutValue = checkMillis(millis, "timeoutMillis", "timeout");
  }

  /** @internal Whether `maxFrameSize` was set: an engine that cannot limit frames refuses any value, not only a changed one. */
  get frameSizeSet(): boolean {
    return this.#frameSizeSet;
  }

  /** Largest frame received or sent, in bytes (default 100 MiB). */
  get maxFrameSize(): number {
    return this.frameSize;
  }

  /** Throws a `RangeError` unless a whole number >= 1. An engine without `frameSizeLimit` refuses any value. */
  set maxFrameSize(bytes: number) {
    this.frameSize = checkWhole(bytes, "maxFrameSize", 1, "bytes");
    this.#frameSizeSet = true;
  }

  /** Largest reassembled message, in bytes (default: `maxFrameSize`). */
  get maxMessageSize(): number {
    return this.messageSize ?? this.frameSize;
  }

  /** Throws a `RangeError` unless a whole number >= 1. */
  set maxMessageSize(bytes: number) {
    this.messageSize = checkWhole(bytes, "maxMessageSize", 1, "bytes");
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
