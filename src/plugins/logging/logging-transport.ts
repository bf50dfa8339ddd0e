import { Frame } from "../../protocol/frame.js";
import { FrameType } from "../../protocol/frame-type.js";
import type { FrameTransport } from "../../transport/frame-transport.js";
import { ForwardingTransport } from "../../transport/forwarding-transport.js";
import { WebSocketSession } from "../../session/websocket-session.js";
import { Channel } from "../../session/channel.js";
import type { ConnectionLog } from "./connection-log.js";
import { describeCloseFrame, describeCloseReason, describeFrame } from "./line-format.js";

/** Pings awaiting their pong that are remembered; a peer that never answers cannot grow the map. */
const MAX_PENDING_PINGS = 32;

/**
 * @internal A transport that logs what passes between a session and the transport beneath it, and
 * changes nothing: frames, flow control and the end go through as they are. It sees frames as the
 * session does (after extensions decode them), over any engine. Inserted only when the Logging
 * plugin is installed and on; lines below the configured level are never built.
 */
export class LoggingTransport extends ForwardingTransport {
  private readonly log: ConnectionLog;
  private readonly logLine: (line: string) => void;
  /** Payloads of our pings not yet answered (as latin1 strings), with when each was written. */
  private readonly pings = new Map<string, number>();
  /** The peer's Close arrived: the session stops reading for good, which is no flow control to report. */
  private closeReceived = false;
  private closed = false;

  constructor(inner: FrameTransport, log: ConnectionLog) {
    super(inner);
    this.log = log;
    this.logLine = (line) => log.line(line);
  }

  override get lineLog(): (line: string) => void {
    return this.logLine;
  }

  override write(frames: readonly Frame[]): boolean {
    for (const frame of frames) this.sent(frame);
    const accepted = super.write(frames);
    if (!accepted && this.log.all) this.log.line("write buffer full: waiting for a drain");
    return accepted;
  }

  override resume(): void {
    if (this.log.all) this.log.line("reading resumed");
    super.resume();
  }

  override end(graceMillis: number): void {
    if (this.log.all) this.log.line(`ending the connection (waiting up to ${graceMillis} ms for the peer)`);
    super.end(graceMillis);
  }

  override destroy(): void {
    if (this.log.all) this.log.line("cutting the connection");
    super.destroy();
  }

  // --- FrameSink of the inner transport ---

  /** @internal */
  override onFrame(frame: Frame): boolean {
    this.received(frame);
    const goOn = super.onFrame(frame);
    if (!goOn && this.log.all && !this.closeReceived) this.log.line("reading paused: the session's incoming is full");
    return goOn;
  }

  /** @internal */
  override onProtocolError(error: Error): void {
    this.log.line(`protocol error: ${this.log.error(error)}`);
    super.onProtocolError(error);
  }

  /** @internal */
  override onDrain(): void {
    if (this.log.all) this.log.line("drained: writes go on");
    super.onDrain();
  }

  /** @internal */
  override onClosed(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    const sink = this.sink;
    this.sink = null;
    sink?.onClosed(error);
    // The session settles its closeReason as it learns of the end; read it once that is observable.
    if (sink instanceof WebSocketSession) {
      void sink.closeReason.then((reason) => this.ended(reason === null ? "no close reason" : describeCloseReason(reason), sink, error));
    } else {
      this.ended("connection closed", null, error);
    }
  }

  // --- the lines ---

  private sent(frame: Frame): void {
    const log = this.log;
    if (frame.frameType === FrameType.CLOSE) {
      log.line(`>> ${describeCloseFrame(frame as Frame.Close, log.preview)}`);
      return;
    }
    if (!log.frames) return;
    if (frame.frameType === FrameType.PING) this.rememberPing(frame);
    log.line(`>> ${describeFrame(frame, log.preview)}`);
  }

  private received(frame: Frame): void {
    const log = this.log;
    if (frame.frameType === FrameType.CLOSE) {
      this.closeReceived = true;
      log.line(`<< ${describeCloseFrame(frame as Frame.Close, log.preview)}`);
      return;
    }
    if (!log.frames) return;
    const rtt = frame.frameType === FrameType.PONG ? this.roundTrip(frame) : "";
    log.line(`<< ${describeFrame(frame, log.preview)}${rtt}`);
  }

  private rememberPing(frame: Frame): void {
    const key = payloadKey(frame.data);
    if (this.pings.has(key)) return; // The earliest unanswered one is what its pong will answer.
    if (this.pings.size >= MAX_PENDING_PINGS) this.pings.delete(this.pings.keys().next().value as string);
    this.pings.set(key, performance.now());
  }

  /** " rtt=3.2 ms" for a pong that echoes one of our pings' payload, else "". */
  private roundTrip(frame: Frame): string {
    const key = payloadKey(frame.data);
    const sentAt = this.pings.get(key);
    if (sentAt === undefined) return "";
    this.pings.delete(key);
    return ` rtt=${(performance.now() - sentAt).toFixed(1)} ms`;
  }

  /** The last line: how the session ended, and the error that ended it, if one did. */
  private ended(how: string, session: WebSocketSession | null, connectionError: Error | null): void {
    const incoming = session?.incoming;
    const failure = incoming instanceof Channel ? (incoming.cause ?? connectionError) : connectionError;
    let line = `closed after ${this.log.elapsed()}: ${how}`;
    if (failure !== null) line += `, failed: ${this.log.error(failure)}`;
    this.log.line(line);
  }
}

/** A ping or pong payload (at most 125 bytes) as a map key. */
function payloadKey(data: Uint8Array): string {
  return String.fromCharCode(...data);
}
