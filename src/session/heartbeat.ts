import type { CloseHandshake, Stoppable } from "./close-handshake.js";
import type { OutgoingPump } from "./outgoing-pump.js";
import { Frame } from "../protocol/frame.js";
import { CloseReason } from "../protocol/close-reason.js";
import { encodeUtf8 } from "../protocol/utf8.js";
import { PingTimeoutError } from "../errors.js";
import { backgroundTimer } from "../util/timers.js";

/**
 * @internal A default session's pings (Ktor's `PingPong.kt`): a ping every `intervalMillis`, ahead of
 * queued data, and a deadline of the session's `timeoutMillis` for a pong. A pong that does not come
 * in time fails the session with `PingTimeoutError` (1011) and cuts the connection, since the peer is
 * presumed dead. Any pong counts, as RFC 6455 §5.5.3 allows an unsolicited one as a heartbeat.
 * Stopped by the close handshake once the session stops being alive.
 */
export class Heartbeat implements Stoppable {
  private interval: number | null = null;
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private pingsSent = 0;
  private readonly outgoing: OutgoingPump;
  private readonly closing: CloseHandshake;

  constructor(outgoing: OutgoingPump, closing: CloseHandshake) {
    this.outgoing = outgoing;
    this.closing = closing;
  }

  /** Milliseconds between pings, or null for none. */
  get intervalMillis(): number | null {
    return this.interval;
  }

  /** Restarts the schedule: the next ping goes `millis` from now; null stops sending pings. */
  set intervalMillis(millis: number | null) {
    this.interval = millis;
    this.clearPingTimer();
    if (millis !== null && this.closing.state !== "ended") this.pingTimer = backgroundTimer(() => this.sendPing(), millis);
  }

  /** A pong arrived: the peer is alive. */
  onPong(): void {
    this.clearPongTimer();
  }

  /** No more pings, and no pong awaited. */
  stop(): void {
    this.clearPingTimer();
    this.clearPongTimer();
  }

  private sendPing(): void {
    this.pingTimer = null;
    if (this.outgoing.isFinished || this.interval === null) return;
    this.outgoing.writeControl(new Frame.Ping(encodeUtf8(`kite-ping ${++this.pingsSent}`)));
    this.pongTimer ??= backgroundTimer(() => this.onPongMissing(), this.closing.timeoutMillis);
    this.pingTimer = backgroundTimer(() => this.sendPing(), this.interval);
  }

  private onPongMissing(): void {
    this.pongTimer = null;
    this.closing.fail(new PingTimeoutError(`No pong within ${this.closing.timeoutMillis} ms`), CloseReason.Codes.INTERNAL_ERROR, true);
  }

  private clearPingTimer(): void {
    if (this.pingTimer !== null) clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }

  private clearPongTimer(): void {
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }
}
