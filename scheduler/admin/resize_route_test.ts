import assert from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import { parseResizeBody, resizeRoute } from "./resize_route.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("parseResizeBody(): a size, or the problem naming the value", () => {
  assert.equal(parseResizeBody(enc('{"size": 5}')), 5);
  assert.equal(
    parseResizeBody(enc('{"size": 4}')),
    "Cannot resize to 4: expected an odd integer 1..9",
  );
  assert.match(String(parseResizeBody(enc("nope"))), /expected a JSON body/);
  assert.match(String(parseResizeBody(enc('{"n": 3}'))), /expected a JSON body/);
});

Deno.test("POST /cluster-size: 400 for a bad size, 202 with the core's plan, 409 refused, 503 on a standby", async () => {
  const asked: number[] = [];
  const route = resizeRoute(
    (size) => {
      asked.push(size);
      return size === 7
        ? { accepted: false, message: "not while the cluster is being reseeded or restored" }
        : { accepted: true, message: "cluster size 3 -> 5: adding 2 member(s) one at a time" };
    },
    () => undefined,
    memoryLogger(),
  );
  const req = new Request("http://x/cluster-size", { method: "POST" });
  const bad = await route.handle(req, enc('{"size": 10}'));
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Cannot resize to 10/);
  const ok = await route.handle(req, enc('{"size": 5}'));
  assert.equal(ok.status, 202);
  assert.match(await ok.text(), /^resizing: cluster size 3 -> 5/);
  const no = await route.handle(req, enc('{"size": 7}'));
  assert.equal(no.status, 409);
  await no.text();
  assert.deepEqual(asked, [5, 7], "a bad size never reaches the core");
  const standby = resizeRoute(
    () => ({ accepted: true, message: "" }),
    () => "leader is h:1",
    memoryLogger(),
  );
  const s = await standby.handle(req, enc('{"size": 5}'));
  assert.equal(s.status, 503);
  await s.text();
});
