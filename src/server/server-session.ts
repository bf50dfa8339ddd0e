import type { Frame } from "../protocol/frame.js";
import { DefaultWebSocketSession } from "../session/default-session.js";
import type { SessionInit } from "../session/websocket-session.js";
import { typeError } from "../util/describe-value.js";
import type { TopicRegistry } from "./topics.js";

/**
 * The session a server route's handler gets (Ktor's `DefaultWebSocketServerSession`): a default
 * session that sends unmasked frames, and can subscribe to the server's topics (`server.publish`).
 * Its topics end with it.
 */
export class DefaultWebSocketServerSession extends DefaultWebSocketSession {
  /** @internal */
  subscribedTopics: Set<string> | null = null;
  private readonly registry: TopicRegistry;

  /** @internal Made by the server's routes. */
  constructor(init: SessionInit, registry: TopicRegistry) {
    super(init);
    this.registry = registry;
  }

  /** The topics this session is subscribed to. */
  get topics(): ReadonlySet<string> {
    return this.subscribedTopics ?? EMPTY;
  }

  /** Receives what `server.publish(topic, ...)` sends from now on, until `unsubscribe(topic)` or the session ends. */
  subscribe(topic: string): void {
    this.registry.subscribe(this, checkTopic(topic, "subscribe(topic): topic"));
  }

  /** @internal Takes a published frame without waiting: false when `outgoing` is full (see `OutgoingPump.offer`). */
  offerPublished(frame: Frame): boolean {
    return this.outbox.offer(frame);
  }

  /** Stops receiving `topic`'s messages; a topic it is not in is no error. */
  unsubscribe(topic: string): void {
    this.registry.unsubscribe(this, checkTopic(topic, "unsubscribe(topic): topic"));
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/** @internal A topic: a non-empty string. */
export function checkTopic(topic: unknown, name: string): string {
  if (typeof topic !== "string" || topic === "") throw typeError(name, "a topic name (a non-empty string)", topic);
  return topic;
}
