// JsonRpcClient in the "cdp" dialect against Debian's Chromium over the DevTools Protocol: create and
// attach a target with `flatten`, navigate, wait for Page.loadEventFired by sessionId, evaluate.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, WebSockets } from "../../src/index.js";
import { JsonRpcClient, JsonRpcError } from "../../src/rpc/index.js";
import { startChromium, startPageServer, chromiumSkipReason, type Chromium, type PageServer } from "../helpers/chromium-cdp.js";
import { within } from "../helpers/ws-peer.js";

const T = { timeout: 30_000 };

describe("JsonRpcClient against Chromium (dialect cdp)", { skip: chromiumSkipReason() }, () => {
  let chromium: Chromium;
  let pages: PageServer;
  before(async () => {
    chromium = await startChromium();
    pages = await startPageServer();
  });
  after(async () => {
    await chromium?.stop();
    await pages?.close();
  });

  test("a flattened target session: navigate, Page.loadEventFired by sessionId, Runtime.evaluate", T, async () => {
    const client = new HttpClient((config) => config.install(WebSockets, (ws) => (ws.maxFrameSize = 256 * 1024 * 1024)));
    await using cdp = new JsonRpcClient(await client.webSocketSession(chromium.browserWsUrl), { dialect: "cdp", timeout: "10s" });
    const version = await cdp.call<{ product: string }>("Browser.getVersion");
    assert.match(version.product, /Chrome/);

    const { targetId } = await cdp.call<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.call<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
    assert.equal(typeof sessionId, "string");
    await cdp.call("Page.enable", {}, { sessionId });

    // Events of this target only; another target's loads must not reach this iterator.
    const loads = cdp.notifications<{ timestamp: number }>("Page.loadEventFired", { sessionId });
    const everything = cdp.notifications("Page.loadEventFired");
    const navigated = await cdp.call<{ frameId: string }>("Page.navigate", { url: pages.url("/") }, { sessionId });
    assert.equal(typeof navigated.frameId, "string");
    const loaded = await within(loads.next(), 10_000, "Page.loadEventFired");
    assert.equal(loaded.done, false);
    assert.equal(typeof loaded.value?.timestamp, "number");
    assert.ok(pages.requests.includes("/"));
    assert.equal((await within(everything.next(), 5_000, "the unfiltered event")).done, false);

    const title = await cdp.call<{ result: { value: unknown } }>("Runtime.evaluate", { expression: "document.title + ' ' + globalThis.kite.answer", returnByValue: true }, { sessionId });
    assert.equal(title.result.value, "kite-ws CDP test 42");

    // The DevTools Protocol's error answers are JsonRpcErrors too.
    const error = await cdp.call("No.suchMethod", {}, { sessionId }).catch((e: unknown) => e);
    assert.ok(error instanceof JsonRpcError && error.code === -32601, String(error));

    // Calls without a sessionId go to the browser, not the page.
    await cdp.call("Target.closeTarget", { targetId });
    await loads.return?.();
    await everything.return?.();
    assert.equal(cdp.protocolErrors, 0);
    await assert.rejects(cdp.batch([["Browser.getVersion"]]), /jsonrpc2/);
  });
});
