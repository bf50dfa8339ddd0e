/**
 * kite-ws/testing: an engine that runs a scripted server in the same process, for unit tests.
 *
 * @module kite-ws/testing
 */
export {
  MockEngine,
  type MockServerSession,
  type MockServerHandler,
  type MockRequest,
  type MockHandshake,
  type MockAccept,
  type MockRefusal,
  type MockServerSettings,
  type MockEngineOptions,
  type MockConnection,
} from "./mock-engine.js";
