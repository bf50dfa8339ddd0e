import { backgroundTimer } from "../util/timers.js";

/**
 * The client's own pings (`keepAlive`): a `ping` every `intervalMillis` while a connection is up; if
 * its `pong` has not come within `timeoutMillis`, the connection is taken for dead (`onDead`), as
 * graphql-ws's PROTOCOL.md lets either side do.
 */
export class KeepAlive {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private awaitingPong = false;

  constructor(
    private readonly intervalMillis: number,
    private readonly timeoutMillis: number,
    private readonly sendPing: () => void,
    private readonly onDead: () => void,
  ) {}

  /** A connection was acknowledged: pings start. */
  start(): void {
    this.stop();
    this.schedule(this.intervalMillis, () => this.ping());
  }

  /** The peer's pong came. */
  pong(): void {
    if (!this.awaitingPong) return;
    this.awaitingPong = false;
    this.schedule(this.intervalMillis, () => this.ping());
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.awaitingPong = false;
  }

  private ping(): void {
    this.awaitingPong = true;
    this.sendPing();
    this.schedule(this.timeoutMillis, () => {
      this.stop();
      this.onDead();
    });
  }

  private schedule(millis: number, run: () => void): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = backgroundTimer(run, millis);
  }
}
