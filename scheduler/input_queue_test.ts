import assert from "node:assert/strict";
import { InputQueue } from "./input_queue.ts";

Deno.test("InputQueue handles an input pushed from inside the handler after the current one", () => {
  const seen: string[] = [];
  const q: InputQueue<string> = new InputQueue<string>({
    handle: (x) => {
      seen.push(`start ${x}`);
      if (x === "a") {
        q.push("b");
        q.push("c");
      }
      seen.push(`end ${x}`);
    },
    onError: () => assert.fail("no error expected"),
  });
  q.push("a");
  assert.deepEqual(seen, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  assert.equal(q.size, 0);
});

Deno.test("InputQueue reports a throwing handler and goes on with the next input", () => {
  const seen: string[] = [];
  const errors: string[] = [];
  const q: InputQueue<string> = new InputQueue<string>({
    handle: (x) => {
      if (x === "bad") throw new Error(`cannot handle ${x}`);
      seen.push(x);
    },
    onError: (e, x) => errors.push(`${x}: ${(e as Error).message}`),
  });
  q.push("bad");
  q.push("good");
  assert.deepEqual(seen, ["good"]);
  assert.deepEqual(errors, ["bad: cannot handle bad"]);
});

Deno.test("InputQueue ignores inputs after close(), also those already queued", () => {
  const seen: number[] = [];
  const q: InputQueue<number> = new InputQueue<number>({
    handle: (x) => {
      seen.push(x);
      if (x === 1) {
        q.push(2);
        q.close();
      }
    },
    onError: () => {},
  });
  q.push(1);
  q.push(3);
  assert.deepEqual(seen, [1]);
  assert.equal(q.closed, true);
});
