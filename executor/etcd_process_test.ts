import assert from "node:assert/strict";
import { describeExit, LineTail, spawnEtcd } from "./etcd_process.ts";

Deno.test("LineTail keeps the last lines across arbitrary chunk boundaries", () => {
  const tail = new LineTail(2);
  assert.deepEqual(tail.push("a\nb"), ["a"]);
  assert.deepEqual(tail.push("b\r\nc\nd"), ["bb\r", "c"]);
  assert.equal(tail.text(), "c\nd");
  assert.equal(tail.end(), "d");
  assert.equal(tail.text(), "c\nd");
  assert.equal(tail.end(), undefined);
});

Deno.test("spawnEtcd() reports the exit code and keeps the tail of stderr", async () => {
  const lines: string[] = [];
  const proc = spawnEtcd("sh", ["-c", "for i in 1 2 3 4 5; do echo line$i >&2; done; exit 3"], {
    tailLines: 3,
    onStderrLine: (l) => lines.push(l),
  });
  const status = await proc.exited;
  assert.deepEqual(status, { code: 3, signal: null });
  assert.equal(proc.stderrTail(), "line3\nline4\nline5");
  assert.deepEqual(lines, ["line1", "line2", "line3", "line4", "line5"]);
  assert.equal(describeExit(status), "exit code 3");
});

Deno.test("spawnEtcd().stop() ends a process that honours SIGTERM without waiting the grace", async () => {
  const proc = spawnEtcd("sleep", ["30"]);
  const started = Date.now();
  const status = await proc.stop(10_000);
  assert.equal(status.signal, "SIGTERM");
  assert.ok(Date.now() - started < 5_000, "stop() waited for the grace period");
  assert.deepEqual(await proc.stop(10_000), status, "a second stop() returns the same status");
});

Deno.test("spawnEtcd().stop() sends SIGKILL once the grace period is over", async () => {
  const proc = spawnEtcd("sh", [
    "-c",
    `trap 'echo got-term >&2' TERM; echo ready >&2; while :; do sleep 0.05; done`,
  ]);
  // Wait until the trap is installed before signalling.
  while (!proc.stderrTail().includes("ready")) await new Promise((r) => setTimeout(r, 10));
  const started = Date.now();
  const status = await proc.stop(300);
  assert.equal(status.signal, "SIGKILL");
  assert.ok(Date.now() - started >= 250, "SIGKILL came before the grace period ended");
  assert.match(proc.stderrTail(), /got-term/);
});

Deno.test("spawnEtcd() throws NotFound for a missing binary", () => {
  assert.throws(() => spawnEtcd("/nonexistent/etcd", []), Deno.errors.NotFound);
});
