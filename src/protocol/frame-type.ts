/** The kind of a frame, valued by its RFC 6455 opcode. Continuation frames take the type of their message. */
export const FrameType = {
  /** Opcode 0x1: UTF-8 text (`Frame.Text`). */
  TEXT: 0x1,
  /** Opcode 0x2: arbitrary bytes (`Frame.Binary`). */
  BINARY: 0x2,
  /** Opcode 0x8: starts or answers the close handshake (`Frame.Close`). */
  CLOSE: 0x8,
  /** Opcode 0x9: asks the peer for a pong (`Frame.Ping`). */
  PING: 0x9,
  /** Opcode 0xA: answers a ping, or serves as a heartbeat (`Frame.Pong`). */
  PONG: 0xa,
} as const;

/** One of `FrameType`'s values. */
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** RFC 6455 §5.2 opcode of a continuation frame (never a `FrameType`: it continues one). */
export const CONTINUATION_OPCODE = 0x0;

/** Control frames are the ones with the high opcode bit set (§5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** The frame type of an opcode, or undefined for continuation and reserved opcodes. */
export function frameTypeOf(opcode: number): FrameType | undefined {
  switch (opcode) {
    case 0x1:
    case 0x2:
    case 0x8:
    case 0x9:
    case 0xa:
      return opcode;
    default:
      return undefined;
  }
}

/** A name for logs and error messages. */
export function frameTypeName(type: FrameType): string {
  switch (type) {
    case FrameType.TEXT:
      return "TEXT";
    case FrameType.BINARY:
      return "BINARY";
    case FrameType.CLOSE:
      return "CLOSE";
    case FrameType.PING:
      return "PING";
    case FrameType.PONG:
      return "PONG";
  }
}
