import assert from "node:assert/strict";
import { spawnChild } from "./child.ts";
import { ChildExitedError, pollUntil, StoppedError } from "./processes.ts";

Deno.test("pollUntil() returns the first defined value, treating errors as not yet", async () => {
  let calls = 0;
  const v = await pollUntil("three calls", () => {
    calls++;
    if (calls === 1) return Promise.reject(new Error("not up"));
    return Promise.resolve(calls === 3 ? "done" : undefined);
  }, { timeoutMs: 5000, intervalMs: 1 });
  assert.equal(v, "done");
  assert.equal(calls, 3);
});

Deno.test("pollUntil() times out naming what it waited for, with the last error as cause", async () => {
  await assert.rejects(
    pollUntil("the moon", () => Promise.reject(new Error("no moon")), {
      timeoutMs: 30,
      intervalMs: 5,
    }),
    (e: Error) =>
      /waiting for the moon/.test(e.message) && (e.cause as Error).message === "no moon",
  );
});

Deno.test("pollUntil() stops at once when aborted", async () => {
  const stop = new AbortController();
  const started = Date.now();
  const p = pollUntil("never", () => Promise.resolve(undefined), {
    timeoutMs: 60_000,
    intervalMs: 10_000,
    signal: stop.signal,
  });
  setTimeout(() => stop.abort(), 20);
  await assert.rejects(p, StoppedError);
  assert.ok(Date.now() - started < 5000, "did not sit out the interval");
});

Deno.test("pollUntil() fails with the child's log tail when a child exits, even mid-request", async () => {
  const dir = await Deno.makeTempDir({ prefix: "poll-" });
  const child = spawnChild("sh", {
    name: "scheduler",
    args: ["-c", "echo 'Address already in use' >&2; sleep 0.2; exit 3"],
    logFile: `${dir}/log`,
  });
  try {
    const hung = new Promise<undefined>(() => {});
    await assert.rejects(
      pollUntil("a reply", () => hung, { timeoutMs: 60_000, children: [child] }),
      (e: unknown) =>
        e instanceof ChildExitedError && e.child === "scheduler" && /code 3/.test(e.message) &&
        /Address already in use/.test(e.logTail),
    );
  } finally {
    await child.stop(100);
    await Deno.remove(dir, { recursive: true });
  }
});
