// A small JSON chat whose messages are checked by a zod schema on both ends: a kite-ws server on
// 127.0.0.1 (a free port) relays every valid message to everyone in the room, and two clients, ann
// and bob, talk through it. An invalid message is refused before it leaves when sent with
// sendSerialized(value, schema), and reported and skipped by the server when a client sends it raw.
// Any Standard Schema works the same way (valibot, arktype, ...); kite-ws depends on none of them.
//
// Run it (in a project with kite-ws and zod installed) with:
//     npx tsx json-chat-with-validation.ts        (or: node json-chat-with-validation.ts on Node 22.18+)
import { z } from "zod";
import { CIO, HttpClient, JsonConverter, SchemaValidationError, WebSockets, type InvalidMessageError } from "kite-ws";
import { serve } from "kite-ws/server";

// One schema for both ends. What travels is its input (sentAt as ISO text); what the code gets is
// its output (sentAt as a Date).
const ChatMessage = z.object({
  from: z.string().min(1).max(32),
  text: z.string().min(1).max(500),
  sentAt: z.iso.datetime().transform((iso) => new Date(iso)),
});
type ChatMessage = z.output<typeof ChatMessage>;

const server = await serve({ host: "127.0.0.1", port: 0, contentConverter: new JsonConverter() }, (routes) =>
  routes.webSocket("/chat", async (session) => {
    const skip = (error: InvalidMessageError): void => console.log(`server: skipped an invalid message: ${error.message}`);
    for await (const message of session.messages(ChatMessage, { onInvalid: skip })) {
      console.log(`server: ${message.from} says "${message.text}"`);
      // Relayed as the schema's input, so every client reads it with the same schema.
      const relayed = { ...message, sentAt: message.sentAt.toISOString() };
      for (const member of server.routes.sessions) await member.sendSerialized(relayed, ChatMessage);
    }
  }),
);

const client = new HttpClient(CIO, (config) =>
  config.install(WebSockets, (ws) => {
    ws.contentConverter = new JsonConverter();
  }),
);
const ann = await client.webSocketSession(`${server.url}/chat`);
const bob = await client.webSocketSession(`${server.url}/chat`);
const annFeed = ann.messages(ChatMessage);
const bobFeed = bob.messages(ChatMessage);

/** Prints the next message each client sees in the room. */
async function showNext(): Promise<void> {
  for (const [name, feed] of [["ann", annFeed], ["bob", bobFeed]] as const) {
    const next: IteratorResult<ChatMessage> = await feed.next();
    if (next.done === true) throw new Error(`${name}'s session ended early`);
    const { from, text, sentAt } = next.value;
    console.log(`${name} sees: [${sentAt.toISOString().slice(11, 16)}] ${from}: ${text}`);
  }
}

await ann.sendSerialized({ from: "ann", text: "Hello, kite-ws!", sentAt: "2024-05-01T10:00:00Z" }, ChatMessage);
await showNext();

// Checked before it leaves: refused here, and nothing is sent.
try {
  await bob.sendSerialized({ from: "bob", text: "", sentAt: "yesterday" }, ChatMessage);
} catch (error) {
  if (!(error instanceof SchemaValidationError)) throw error;
  console.log(`bob: ${error.message}`);
}
// A client that does not check can still send anything: the server reports it and skips it.
await bob.send(JSON.stringify({ from: "bob", text: 42 }));
await bob.sendSerialized({ from: "bob", text: "Hi ann!", sentAt: "2024-05-01T10:01:00Z" }, ChatMessage);
await showNext();

await Promise.all([ann.close(), bob.close()]);
client.close();
await server.close();
console.log("done");
