// Typed messages in MessagePack instead of JSON: binary frames, with bytes, dates and nested values
// carried as they are. A kite-ws server on 127.0.0.1 (a free port) and a client, both with
// MessagePackConverter: the client sends sensor readings, the server answers each with a summary.
//
// It needs @msgpack/msgpack next to kite-ws (an optional peer dependency):
//     npm install kite-ws @msgpack/msgpack
//     npx tsx msgpack-converter.ts        (or: node msgpack-converter.ts on Node 22.18 and later)
import { CIO, ClosedReceiveChannelError, HttpClient, WebSockets } from "kite-ws";
import { serve } from "kite-ws/server";
import { MessagePackConverter } from "kite-ws/converters/msgpack";

interface Reading {
  readonly sensor: string;
  readonly at: Date; // a MessagePack timestamp on the wire, a Date again on the other side
  readonly samples: number[];
  readonly raw: Uint8Array; // a `bin` on the wire (JSON has no type for bytes)
}

interface Summary {
  readonly sensor: string;
  readonly mean: number;
  readonly rawBytes: number;
  readonly receivedAt: Date;
}

// The server: one route, reading values and answering values (the same converter on this side).
const server = await serve({ host: "127.0.0.1", port: 0, contentConverter: new MessagePackConverter() }, (routes) => {
  routes.webSocket("/readings", async (session) => {
    for (;;) {
      let reading: Reading;
      try {
        reading = await session.receiveDeserialized<Reading>();
      } catch (error) {
        if (error instanceof ClosedReceiveChannelError) return; // the client left
        throw error;
      }
      const mean = reading.samples.reduce((sum, sample) => sum + sample, 0) / reading.samples.length;
      const summary: Summary = { sensor: reading.sensor, mean, rawBytes: reading.raw.length, receivedAt: new Date() };
      await session.sendSerialized(summary);
    }
  });
});

// The client.
const client = new HttpClient(CIO, (config) =>
  config.install(WebSockets, (ws) => {
    ws.contentConverter = new MessagePackConverter();
  }),
);

const readings: Reading[] = [
  { sensor: "kitchen", at: new Date(), samples: [21.5, 21.7, 21.6], raw: new Uint8Array([0x01, 0x02, 0x03]) },
  { sensor: "garage", at: new Date(), samples: [12, 11.5], raw: new Uint8Array(1024) },
  { sensor: "attic", at: new Date(), samples: [30.25], raw: new Uint8Array(0) },
];

const wire = new MessagePackConverter().serialize(readings[0]).data;
console.log(`one reading is ${wire.length} bytes of MessagePack (${JSON.stringify(readings[0]).length} as JSON)`);

await client.webSocket(`${server.url}/readings`, async (session) => {
  for (const reading of readings) {
    await session.sendSerialized(reading);
    const summary = await session.receiveDeserialized<Summary>();
    console.log(`${summary.sensor}: mean ${summary.mean.toFixed(2)}, ${summary.rawBytes} raw bytes, at ${summary.receivedAt.toISOString()}`);
  }
}); // the block's end closes the session (1000), which ends the server's loop

client.close();
await server.close();
