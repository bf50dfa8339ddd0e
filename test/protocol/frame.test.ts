import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Frame, createFrame } from "../../src/protocol/frame.js";
import { CONTINUATION_OPCODE, FrameType, frameTypeName, frameTypeOf, isControlOpcode } from "../../src/protocol/frame-type.js";
import { CloseReason } from "../../src/protocol/close-reason.js";
import { ProtocolViolationError } from "../../src/errors.js";

describe("FrameType", () => {
  test("values are the RFC 6455 opcodes", () => {
    assert.deepEqual({ ...FrameType }, { TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa });
    assert.equal(CONTINUATION_OPCODE, 0x0);
  });

  test("isControlOpcode is true for 0x8–0xF only", () => {
    for (let opcode = 0; opcode < 16; opcode++) assert.equal(isControlOpcode(opcode), opcode >= 8, String(opcode));
  });

  test("frameTypeOf knows the five types and nothing else", () => {
    const known = new Map<number, FrameType>([
      [0x1, FrameType.TEXT],
      [0x2, FrameType.BINARY],
      [0x8, FrameType.CLOSE],
      [0x9, FrameType.PING],
      [0xa, FrameType.PONG],
    ]);
    for (let opcode = 0; opcode < 16; opcode++) assert.equal(frameTypeOf(opcode), known.get(opcode), String(opcode));
  });

  test("frameTypeName", () => {
    assert.deepEqual(
      [FrameType.TEXT, FrameType.BINARY, FrameType.CLOSE, FrameType.PING, FrameType.PONG].map(frameTypeName),
      ["TEXT", "BINARY", "CLOSE", "PING", "PONG"],
    );
  });
});

describe("Frame.Text", () => {
  test('new Frame.Text("hi"): final, UTF-8 payload', () => {
    const frame = new Frame.Text("hi");
    assert.ok(frame instanceof Frame);
    assert.ok(frame instanceof Frame.Text);
    assert.equal(frame.fin, true);
    assert.equal(frame.frameType, FrameType.TEXT);
    assert.equal(frame.readText(), "hi");
    assert.deepEqual([...frame.data], [0x68, 0x69]);
    assert.deepEqual([frame.rsv1, frame.rsv2, frame.rsv3], [false, false, false]);
  });

  test("a multi-byte string: byteLength and data are UTF-8", () => {
    const frame = new Frame.Text("é€🙂");
    assert.equal(frame.byteLength, 2 + 3 + 4);
    assert.deepEqual([...frame.data], [...Buffer.from("é€🙂", "utf8")]);
    assert.equal(frame.readText(), "é€🙂");
  });

  test("new Frame.Text(fin, bytes) keeps the bytes and decodes them on readText", () => {
    const bytes = new Uint8Array(Buffer.from("größe", "utf8"));
    const fragment = new Frame.Text(false, bytes);
    assert.equal(fragment.fin, false);
    assert.equal(fragment.data, bytes, "received payloads are not copied");
    assert.equal(fragment.readText(), "größe");
    assert.equal(new Frame.Text(true, bytes).fin, true);
  });

  test("new Frame.Text(fin, string) and RSV bits", () => {
    const frame = new Frame.Text(false, "abc", true, false, true);
    assert.equal(frame.fin, false);
    assert.equal(frame.readText(), "abc");
    assert.deepEqual([frame.rsv1, frame.rsv2, frame.rsv3], [true, false, true]);
  });

  test("an empty text frame", () => {
    assert.equal(new Frame.Text("").data.length, 0);
    assert.equal(new Frame.Text("").readText(), "");
    assert.equal(new Frame.Text(true, new Uint8Array(0)).readText(), "");
  });
});

describe("Frame.Binary", () => {
  test("new Frame.Binary(bytes): final, payload as given", () => {
    const bytes = Uint8Array.of(1, 2, 3);
    const frame = new Frame.Binary(bytes);
    assert.ok(frame instanceof Frame.Binary);
    assert.equal(frame.fin, true);
    assert.equal(frame.frameType, FrameType.BINARY);
    assert.equal(frame.data, bytes);
    assert.equal(frame.byteLength, 3);
  });

  test("new Frame.Binary(fin, bytes, rsv…)", () => {
    const frame = new Frame.Binary(false, Uint8Array.of(9), false, true, false);
    assert.equal(frame.fin, false);
    assert.deepEqual([frame.rsv1, frame.rsv2, frame.rsv3], [false, true, false]);
    assert.equal(new Frame.Binary(true, Uint8Array.of(9)).fin, true);
  });

  test("readBytes returns a copy", () => {
    const bytes = Uint8Array.of(1, 2, 3);
    const frame = new Frame.Binary(bytes);
    const copy = frame.readBytes();
    assert.deepEqual([...copy], [1, 2, 3]);
    assert.notEqual(copy.buffer, bytes.buffer);
    copy[0] = 99;
    assert.equal(frame.data[0], 1);
    assert.equal(bytes[0], 1);
  });

  test("readBytes copies only the view, not its whole buffer", () => {
    const backing = Uint8Array.of(0, 1, 2, 3, 4, 5);
    const frame = new Frame.Binary(backing.subarray(2, 4));
    assert.deepEqual([...frame.readBytes()], [2, 3]);
  });
});

describe("Frame.Close", () => {
  test("new Frame.Close(new CloseReason(1000, \"x\"))", () => {
    const frame = new Frame.Close(new CloseReason(1000, "x"));
    assert.equal(frame.frameType, FrameType.CLOSE);
    assert.equal(frame.fin, true);
    assert.deepEqual([...frame.data], [0x03, 0xe8, 0x78]);
    const reason = frame.readReason();
    assert.equal(reason.code, 1000);
    assert.equal(reason.message, "x");
  });

  test("new Frame.Close(): no payload, read as 1005", () => {
    const frame = new Frame.Close();
    assert.equal(frame.data.length, 0);
    assert.equal(frame.readReason().code, CloseReason.Codes.NO_STATUS_RECEIVED);
  });

  test("new Frame.Close(rawPayload) and a strict readReason", () => {
    assert.equal(new Frame.Close(Uint8Array.of(0x0b, 0xb8)).readReason().code, 3000);
    assert.throws(() => new Frame.Close(Uint8Array.of(0x03)).readReason(), ProtocolViolationError);
    assert.throws(
      () => new Frame.Close(Uint8Array.of(0x03, 0xe8, 0xff)).readReason(),
      (error: unknown) => error instanceof ProtocolViolationError && error.closeCode === 1007,
    );
  });

  test("a close reason with a code that may not be sent is refused", () => {
    assert.throws(() => new Frame.Close(new CloseReason(1005)), RangeError);
    assert.throws(() => new Frame.Close(new CloseReason(1006)), RangeError);
  });

  test("a long reason is cut to fit the 125-byte control frame limit", () => {
    assert.equal(new Frame.Close(new CloseReason(1000, "z".repeat(300))).data.length, 125);
  });
});

describe("Frame.Ping and Frame.Pong", () => {
  test("default to an empty payload, always final", () => {
    for (const frame of [new Frame.Ping(), new Frame.Pong()]) {
      assert.equal(frame.data.length, 0);
      assert.equal(frame.fin, true);
    }
    assert.equal(new Frame.Ping().frameType, FrameType.PING);
    assert.equal(new Frame.Pong().frameType, FrameType.PONG);
  });

  test("carry their payload", () => {
    const bytes = Uint8Array.of(7, 8);
    assert.equal(new Frame.Ping(bytes).data, bytes);
    assert.equal(new Frame.Pong(bytes).data, bytes);
  });
});

describe("Frame helpers", () => {
  test("toString names the type, fin and length", () => {
    assert.equal(new Frame.Text("héllo").toString(), "Frame TEXT (fin=true, buffer len = 6)");
    assert.equal(new Frame.Binary(false, new Uint8Array(3)).toString(), "Frame BINARY (fin=false, buffer len = 3)");
    assert.equal(new Frame.Close().toString(), "Frame CLOSE (fin=true, buffer len = 0)");
  });

  test("createFrame builds each type around the payload without copying", () => {
    const data = Uint8Array.of(0x03, 0xe8);
    const cases: Array<[FrameType, new (...args: never[]) => Frame]> = [
      [FrameType.TEXT, Frame.Text],
      [FrameType.BINARY, Frame.Binary],
      [FrameType.CLOSE, Frame.Close],
      [FrameType.PING, Frame.Ping],
      [FrameType.PONG, Frame.Pong],
    ];
    for (const [type, frameClass] of cases) {
      const frame = createFrame(type, true, data, false, false, false);
      assert.ok(frame instanceof frameClass);
      assert.equal(frame.frameType, type);
      assert.equal(frame.data, data);
    }
    const fragment = createFrame(FrameType.BINARY, false, data, true, true, false);
    assert.deepEqual([fragment.fin, fragment.rsv1, fragment.rsv2, fragment.rsv3], [false, true, true, false]);
  });
});
