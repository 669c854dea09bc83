import assert from "node:assert/strict";
import { parseMasterAddress, staticLeader, toLeaderSource } from "./leader_source.ts";

Deno.test("parseMasterAddress() accepts host:port and http(s) URLs, dropping paths", () => {
  assert.equal(parseMasterAddress("127.0.0.1:5050").href, "http://127.0.0.1:5050/");
  assert.equal(parseMasterAddress("m1").href, "http://m1:5050/");
  assert.equal(parseMasterAddress("http://m1:15050/master").href, "http://m1:15050/");
  assert.equal(parseMasterAddress("https://m1").href, "https://m1:5050/");
  assert.equal(parseMasterAddress("http://m1:80").href, "http://m1/");
});

Deno.test("parseMasterAddress() refuses zk:// and garbage, naming the value", () => {
  assert.throws(() => parseMasterAddress("zk://h:2181/mesos"), {
    name: "TypeError",
    message: /"zk:\/\/h:2181\/mesos".*detector/,
  });
  assert.throws(() => parseMasterAddress("ftp://x:1"), { message: /"ftp:\/\/x:1"/ });
  assert.throws(() => parseMasterAddress("a b:99999"), { message: /"a b:99999"/ });
});

Deno.test("staticLeader() always answers the same URL; toLeaderSource() passes detectors through", async () => {
  const s = staticLeader("127.0.0.1:1");
  assert.equal((await s.current())!.href, "http://127.0.0.1:1/");
  const detector = { current: () => Promise.resolve(undefined) };
  assert.equal(toLeaderSource(detector), detector);
  assert.equal((await toLeaderSource(new URL("http://h:2")).current())!.href, "http://h:2/");
});
