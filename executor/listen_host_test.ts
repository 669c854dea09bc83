import assert from "node:assert/strict";
import { defaultListenHost } from "./listen_host.ts";

Deno.test("defaultListenHost() binds IP literals, maps localhost, and widens names", () => {
  assert.equal(defaultListenHost("10.1.2.3"), "10.1.2.3");
  assert.equal(defaultListenHost("localhost"), "127.0.0.1");
  assert.equal(defaultListenHost("[::1]"), "::1");
  assert.equal(defaultListenHost("agent-1.example"), "0.0.0.0");
});
