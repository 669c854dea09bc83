import assert from "node:assert/strict";
import { AsyncQueue } from "./async_queue.ts";

Deno.test("AsyncQueue delivers pushed items in order, before and after the reader waits", async () => {
  const q = new AsyncQueue<number>();
  q.push(1);
  q.push(2);
  const seen: number[] = [];
  const reading = (async () => {
    for await (const n of q) seen.push(n);
  })();
  await Promise.resolve();
  q.push(3);
  q.close();
  q.push(4); // ignored after close
  await reading;
  assert.deepEqual(seen, [1, 2, 3]);
});

Deno.test("AsyncQueue.close(error) throws after the queued items are read", async () => {
  const q = new AsyncQueue<string>();
  q.push("a");
  q.close(new RangeError("gone"));
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const s of q) seen.push(s);
  }, { name: "RangeError", message: "gone" });
  assert.deepEqual(seen, ["a"]);
  assert.deepEqual(await q.next(), { value: undefined, done: true });
});

Deno.test("AsyncQueue.close(error) wakes a waiting reader with the error", async () => {
  const q = new AsyncQueue<string>();
  const p = q.next();
  q.close(new Error("closed while waiting"));
  await assert.rejects(p, { message: "closed while waiting" });
});

Deno.test("AsyncQueue refuses a second consumer", () => {
  const q = new AsyncQueue<number>();
  q[Symbol.asyncIterator]();
  assert.throws(() => q[Symbol.asyncIterator](), { message: /single consumer/ });
});
