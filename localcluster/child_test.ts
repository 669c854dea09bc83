import assert from "node:assert/strict";
import { spawnChild } from "./child.ts";

Deno.test("spawnChild() logs both streams, hands over stdout lines and stops with SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "child-" });
  const lines: string[] = [];
  const child = spawnChild("sh", {
    name: "test",
    args: ["-c", "echo one; echo two >&2; printf 'three\\nfour'; echo; exec sleep 30"],
    logFile: `${dir}/log`,
    onStdoutLine: (l) => lines.push(l),
  });
  try {
    for (let i = 0; i < 100 && lines.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(lines, ["one", "three", "four"]);
    assert.equal(child.running, true);
    const status = await child.stop(5000);
    assert.equal(status.signal, "SIGTERM");
    assert.equal(child.running, false);
    const log = await Deno.readTextFile(`${dir}/log`);
    for (const word of ["one", "two", "three", "four"]) assert.ok(log.includes(word), word);
    assert.equal(await child.logTail(5), log.slice(-5));
    assert.equal(child.signal("SIGTERM"), false, "nothing to signal once exited");
  } finally {
    await child.stop(1000);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ManagedChild.stop() SIGKILLs a child that ignores SIGTERM after the grace period", async () => {
  const dir = await Deno.makeTempDir({ prefix: "child-" });
  const lines: string[] = [];
  const child = spawnChild("sh", {
    name: "stubborn",
    args: ["-c", "trap '' TERM; echo armed; while :; do sleep 0.05; done"],
    logFile: `${dir}/log`,
    onStdoutLine: (l) => lines.push(l),
  });
  try {
    for (let i = 0; i < 100 && lines.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    const status = await child.stop(300);
    assert.equal(status.signal, "SIGKILL");
    assert.ok(Date.now() - started >= 300, "waited the grace period first");
  } finally {
    await child.stop(100);
    // the shell's last sleep may outlive it for a moment; it is in the same group
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
    await Deno.remove(dir, { recursive: true });
  }
});
