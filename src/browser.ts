// The public API of kite-ws for browsers (the package's "browser" export condition): the shared API,
// with the Platform engine (the runtime's WebSocket) as the default. No node: module may be reached
// from here; test/browser/import-graph.test.ts checks that.
export * from "./api.js";

// `new HttpClient()` without an engine uses the runtime's WebSocket here.
import { Platform as DefaultEngine } from "./engine/platform/platform-engine.js";
import { setDefaultEngine } from "./engine/default-engine.js";
setDefaultEngine(DefaultEngine);
