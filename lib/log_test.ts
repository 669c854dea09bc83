import assert from "node:assert/strict";
import {
  createLogger,
  formatText,
  levelFromVerbosity,
  type LogRecord,
  memoryLogger,
  parseLogLevel,
  redact,
  silentLogger,
} from "./log.ts";

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

Deno.test("createLogger() writes LEVEL time msg key=value lines", () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l), now: () => T0 });
  log.info("leader changed", { url: "http://m1:5050", seq: 3, ok: true });
  assert.deepEqual(lines, [
    "INFO 2024-01-02T03:04:05.678Z leader changed url=http://m1:5050 seq=3 ok=true",
  ]);
});

Deno.test("createLogger() quotes values with spaces, quotes or equals signs", () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l), now: () => T0 });
  log.warn("x", { a: "two words", b: 'q"x', c: "k=v", d: "", e: { n: 1 } });
  assert.equal(
    lines[0],
    'WARN 2024-01-02T03:04:05.678Z x a="two words" b="q\\"x" c="k=v" d="" e={"n":1}',
  );
});

Deno.test("createLogger() prints an Error field as its message", () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l), now: () => T0 });
  log.error("failed", { err: new Error("boom here") });
  assert.match(lines[0]!, /^ERROR \S+ failed err="boom here"$/);
});

Deno.test("createLogger() drops lines below its level", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "warn", sink: (l) => lines.push(l) });
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  assert.deepEqual(lines.map((l) => l.split(" ")[0]), ["WARN", "ERROR"]);
});

Deno.test("createLogger() defaults to info level", () => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l) });
  log.debug("d");
  log.info("i");
  assert.equal(lines.length, 1);
});

Deno.test("createLogger({json}) writes one JSON object per line", () => {
  const lines: string[] = [];
  const log = createLogger({ json: true, sink: (l) => lines.push(l), now: () => T0 });
  log.child({ component: "zk" }).info("connected", { session: "0x1", err: new Error("e") });
  assert.deepEqual(JSON.parse(lines[0]!), {
    component: "zk",
    session: "0x1",
    err: "e",
    level: "info",
    time: "2024-01-02T03:04:05.678Z",
    msg: "connected",
  });
});

Deno.test("Logger.child() adds its fields to every line and call fields win", () => {
  const log = memoryLogger();
  const child = log.child({ component: "detector", id: 1 }).child({ id: 2 });
  child.info("hello", { extra: "x" });
  child.info("again", { id: 3 });
  assert.deepEqual(log.records.map((r) => r.fields), [
    { component: "detector", id: 2, extra: "x" },
    { component: "detector", id: 3 },
  ]);
});

Deno.test("redact() masks secret-looking keys, nested objects and URL passwords", () => {
  const out = redact({
    secret: "s",
    zk_password: "p",
    Authorization: "Bearer x",
    auth_token: "t",
    auth: { user: "u", pass: "p" },
    master: "zk://ops:hunter2@h1:2181,h2:2181/mesos",
    plain: "http://h:1/a@b",
    list: ["https://u:pw@host/x"],
    n: 5,
  });
  assert.deepEqual(out, {
    secret: "***",
    zk_password: "***",
    Authorization: "***",
    auth_token: "***",
    auth: { user: "u", pass: "***" },
    master: "zk://ops:***@h1:2181,h2:2181/mesos",
    plain: "http://h:1/a@b",
    list: ["https://u:***@host/x"],
    n: 5,
  });
});

Deno.test("redact() does not modify its input", () => {
  const input = { password: "p" };
  redact(input);
  assert.equal(input.password, "p");
});

Deno.test("loggers never print secrets passed as fields", () => {
  const log = memoryLogger();
  log.child({ token: "abc123" }).info("login", { password: "hunter2" });
  assert.doesNotMatch(log.lines[0]!, /abc123|hunter2/);
  assert.match(log.lines[0]!, /token=\*\*\* password=\*\*\*/);
});

Deno.test("levelFromVerbosity() maps glog -v to levels", () => {
  assert.equal(levelFromVerbosity(0), "info");
  assert.equal(levelFromVerbosity(1), "debug");
  assert.equal(levelFromVerbosity(3), "debug");
  assert.throws(() => levelFromVerbosity(-1), { name: "RangeError", message: /-1/ });
  assert.throws(() => levelFromVerbosity(1.5), { name: "RangeError", message: /1\.5/ });
});

Deno.test("parseLogLevel() accepts level names and rejects others naming them", () => {
  assert.equal(parseLogLevel("DEBUG"), "debug");
  assert.equal(parseLogLevel("warning"), "warn");
  assert.throws(() => parseLogLevel("loud"), { name: "RangeError", message: /"loud"/ });
});

Deno.test("memoryLogger() keeps lines and records from children and can clear", () => {
  const log = memoryLogger();
  log.debug("a");
  log.child({ c: 1 }).error("b");
  assert.equal(log.lines.length, 2);
  assert.match(log.lines[1]!, /^ERROR \S+ b c=1$/);
  assert.deepEqual(log.records.map((r: LogRecord) => [r.level, r.msg]), [
    ["debug", "a"],
    ["error", "b"],
  ]);
  log.clear();
  assert.equal(log.lines.length, 0);
  assert.equal(log.records.length, 0);
});

Deno.test("silentLogger drops everything, including from children", () => {
  silentLogger.info("x");
  assert.equal(silentLogger.child({ a: 1 }), silentLogger);
});

Deno.test("formatText() renders a record", () => {
  assert.equal(
    formatText({ level: "debug", time: 0, msg: "m", fields: { k: undefined } }),
    "DEBUG 1970-01-01T00:00:00.000Z m k=undefined",
  );
});
