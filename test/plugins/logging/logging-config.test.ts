import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, WebSockets } from "../../../src/index.js";
import { Logging, LoggingConfig, type LogLevel } from "../../../src/plugins/logging/index.js";
import { MockEngine } from "../../../src/testing/index.js";
import { LineRecorder } from "./helpers.js";

const engine = (): MockEngine => new MockEngine(() => {});

describe("LoggingConfig", () => {
  test("defaults: the headers level (as Ktor) and console.log", (t) => {
    const config = new LoggingConfig();
    assert.equal(config.level, "headers");
    const logged: unknown[] = [];
    t.mock.method(console, "log", (...args: unknown[]) => logged.push(args));
    const plugin = new HttpClient(engine(), (c) => c.install(Logging)).plugin(Logging);
    plugin.log("hello");
    assert.deepEqual(logged, [["hello"]]);
  });

  test("setters check their values and name the setting", () => {
    const config = new LoggingConfig();
    assert.throws(() => (config.level = "body" as LogLevel), /level must be one of "none", "info", "headers", "frames", "all"/);
    assert.throws(() => (config.logger = 42 as never), /logger must be a function/);
    assert.throws(() => (config.logger = { write() {} } as never), /logger must be a function/);
    assert.throws(() => config.sanitizeHeader("authorization" as never), /sanitizeHeader\(predicate\): predicate must be a function .*; got "authorization" \(a string\)/);
    assert.throws(() => config.sanitizeQueryParameter(null as never), /sanitizeQueryParameter\(predicate\): predicate must be a function .*; got null/);
    assert.throws(() => config.filter(undefined as never), /filter\(predicate\): predicate must be a function .*; got undefined/);
  });

  test("a logger may be a function or an object with log(), which keeps its this", () => {
    const sink = {
      lines: [] as string[],
      log(message: string) {
        this.lines.push(message);
      },
    };
    const client = new HttpClient(engine(), (config) => config.install(Logging, (l) => (l.logger = sink)));
    client.plugin(Logging).log("one");
    assert.deepEqual(sink.lines, ["one"]);
  });

  test("a logger that throws is ignored", () => {
    const client = new HttpClient(engine(), (config) =>
      config.install(Logging, (l) => {
        l.logger = () => {
          throw new Error("disk full");
        };
      }),
    );
    assert.doesNotThrow(() => client.plugin(Logging).log("line"));
  });

  test("installing twice merges: the last level and logger win, sanitizers add up", () => {
    const first = new LineRecorder();
    const second = new LineRecorder();
    const client = new HttpClient(engine(), (config) => {
      config.install(WebSockets);
      config.install(Logging, (l) => {
        l.level = "all";
        l.logger = first.logger;
        l.sanitizeHeader((name) => name === "x-one");
      });
      config.install(Logging, (l) => {
        l.level = "frames";
        l.logger = second.logger;
        l.sanitizeHeader((name) => name === "x-two", "[hidden]");
      });
    });
    const plugin = client.plugin(Logging);
    assert.equal(plugin.level, "frames");
    plugin.log("x");
    assert.deepEqual([first.lines, second.lines], [[], ["x"]]);
    assert.equal(plugin.redactor.headerValue("X-One", "1"), "***");
    assert.equal(plugin.redactor.headerValue("x-two", "2"), "[hidden]");
    assert.equal(plugin.redactor.headerValue("x-three", "3"), "3");
  });

  test("is not installed by default", () => {
    const client = new HttpClient(engine(), (config) => config.install(WebSockets));
    assert.equal(client.pluginOrNull(Logging), null);
  });
});
