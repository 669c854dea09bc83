import assert from "node:assert/strict";
import { until, UntilTimeoutError } from "./until.ts";

Deno.test("until() resolves with the first value that is neither undefined nor false", async () => {
  let calls = 0;
  const v = await until(() => ++calls >= 3 ? `call ${calls}` : undefined, {
    timeoutMs: 1000,
    what: "the third call",
    intervalMs: 1,
  });
  assert.equal(v, "call 3");
  let n = 0;
  assert.equal(
    await until(() => ++n > 1 || false, { timeoutMs: 1000, what: "x", intervalMs: 1 }),
    true,
  );
  assert.equal(
    await until(() => Promise.resolve(0), { timeoutMs: 1000, what: "zero" }),
    0,
    "0 is a value",
  );
  assert.equal(await until(() => null, { timeoutMs: 1000, what: "null" }), null, "null is a value");
});

Deno.test("until() counts errors as not yet and names them as the timeout's cause", async () => {
  let calls = 0;
  const v = await until(() => {
    if (++calls < 3) throw new Error("not up");
    return "up";
  }, { timeoutMs: 1000, what: "up", intervalMs: 1 });
  assert.equal(v, "up");
  const e = await until(() => {
    throw new Error("refused");
  }, { timeoutMs: 30, what: "a server", intervalMs: 5 }).catch((e) => e);
  assert.ok(e instanceof UntilTimeoutError);
  assert.equal(e.message, "timed out after 30 ms waiting for a server");
  assert.equal(e.what, "a server");
  assert.equal((e.cause as Error).message, "refused");
});

Deno.test("until() rethrows at once the errors stopOn picks", async () => {
  let calls = 0;
  const t0 = Date.now();
  await assert.rejects(
    until(() => {
      calls++;
      throw new RangeError("fatal");
    }, { timeoutMs: 5000, what: "x", stopOn: (e) => e instanceof RangeError }),
    RangeError,
  );
  assert.equal(calls, 1);
  assert.ok(Date.now() - t0 < 1000);
});

Deno.test("until() fails on time even when the predicate hangs", async () => {
  const t0 = Date.now();
  await assert.rejects(
    until(() => new Promise<undefined>(() => {}), { timeoutMs: 50, what: "a hung call" }),
    /timed out after 50 ms waiting for a hung call/,
  );
  assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
});

Deno.test("until() ends at once with the signal's reason when aborted, mid-pause or mid-call", async () => {
  const stop = new AbortController();
  const t0 = Date.now();
  const paused = until(() => undefined, {
    timeoutMs: 60_000,
    what: "never",
    intervalMs: 10_000,
    signal: stop.signal,
  });
  setTimeout(() => stop.abort(new Error("stopped")), 20);
  await assert.rejects(paused, /stopped/);
  const hung = new AbortController();
  const call = until(() => new Promise<undefined>(() => {}), {
    timeoutMs: 60_000,
    what: "a hung call",
    signal: hung.signal,
  });
  setTimeout(() => hung.abort(new Error("gone")), 20);
  await assert.rejects(call, /gone/);
  assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
  const already = new AbortController();
  already.abort(new Error("before"));
  await assert.rejects(
    until(() => 1, { timeoutMs: 10, what: "x", signal: already.signal }),
    /before/,
  );
});

Deno.test("until() takes timeouts beyond a 32-bit timer (no overflow to 'at once')", async () => {
  let calls = 0;
  const v = await until(() => ++calls >= 3 || undefined, {
    timeoutMs: Number.MAX_SAFE_INTEGER,
    what: "three calls",
    intervalMs: 1,
  });
  assert.equal(v, true);
});
