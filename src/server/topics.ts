import { CloseReason } from "../protocol/close-reason.js";
import type { Frame } from "../protocol/frame.js";
import { FrameSerializer } from "../protocol/frame-serializer.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";

/** What `publish` does with a subscriber whose `outgoing` is full: skip it for this message, or close it with 1013. */
export type SlowSubscriberPolicy = "drop" | "close";

/** A subscriber: a session that keeps the topics it is in, so they can be left when it ends. */
export interface TopicMember extends DefaultWebSocketSession {
  /** Its topics; null while it has none (an idle session keeps no set). */
  subscribedTopics: Set<string> | null;
  /** Takes a published frame without waiting; false when its `outgoing` is full. */
  offerPublished(frame: Frame): boolean;
}

/** Builds published frames once for every subscriber: whole unmasked frames, so it keeps no state between them. */
const fanOutSerializer = new FrameSerializer({ mask: false });

/**
 * The topics of one server (or one set of routes): who is subscribed to what, and fan-out. A
 * published frame is encoded once, and those same bytes are written to every subscriber with nothing
 * queued before them, at once, or queued behind what is. A subscriber that cannot take it at once is
 * never waited for: `slowSubscriber` drops the message for it or closes it with 1013.
 */
export class TopicRegistry {
  private readonly topics = new Map<string, Set<TopicMember>>();

  constructor(private readonly slowSubscriber: SlowSubscriberPolicy) {}

  /** Topics with at least one subscriber. */
  get size(): number {
    return this.topics.size;
  }

  subscribers(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  subscribe(member: TopicMember, topic: string): void {
    let members = this.topics.get(topic);
    if (members === undefined) this.topics.set(topic, (members = new Set()));
    members.add(member);
    (member.subscribedTopics ??= new Set()).add(topic);
  }

  unsubscribe(member: TopicMember, topic: string): void {
    this.leave(member, topic);
    member.subscribedTopics?.delete(topic);
    if (member.subscribedTopics?.size === 0) member.subscribedTopics = null;
  }

  /** The session ended: it leaves every topic. */
  leaveAll(member: TopicMember): void {
    const topics = member.subscribedTopics;
    if (topics === null) return;
    member.subscribedTopics = null;
    for (const topic of topics) this.leave(member, topic);
  }

  /** Queues `frame` on every subscriber of `topic`; returns how many took it. */
  publish(topic: string, frame: Frame): number {
    const members = this.topics.get(topic);
    if (members === undefined) return 0;
    // The bytes every connection without extensions writes, encoded once; that they are there also
    // tells extensions the frame is fanned out (permessage-deflate then compresses it once per setting).
    if (frame.unmaskedWire === null) frame.unmaskedWire = fanOutSerializer.serializeOne(frame);
    let delivered = 0;
    for (const session of members) {
      let taken: boolean;
      try {
        taken = session.offerPublished(frame);
      } catch {
        // A frame this session cannot carry (larger than its maxFrameSize): not delivered to it.
        continue;
      }
      if (taken) delivered++;
      else if (!session.outgoing.isClosedForSend && this.slowSubscriber === "close") {
        void session.close(new CloseReason(CloseReason.Codes.TRY_AGAIN_LATER, "Subscriber too slow"));
      }
    }
    return delivered;
  }

  private leave(member: TopicMember, topic: string): void {
    const members = this.topics.get(topic);
    if (members === undefined) return;
    members.delete(member);
    if (members.size === 0) this.topics.delete(topic);
  }
}
