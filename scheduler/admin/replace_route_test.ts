import assert from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import { createAdminHandler } from "./handler.ts";
import { replacePathName } from "./replace_route.ts";

function setup(answer = { accepted: true, message: "etcd-2 will be removed" }) {
  const asked: string[] = [];
  const handler = createAdminHandler({
    stats: () => ({}) as never,
    members: () => [],
    health: () => ({ healthy: true, reason: "ok", phase: "mutable" }),
    requestReseed: () => {},
    volumes: () => [{
      member: "etcd-2",
      agentId: "a1",
      host: "h1",
      persistenceId: "fw-etcd-2-x",
      rpcPort: 31000,
      clientPort: 31001,
      relaunches: 1,
      state: "waiting",
      replaceAt: "2026-01-01T00:10:00.000Z",
    }],
    requestReplace: (name) => {
      asked.push(name);
      return answer;
    },
    token: "s3cret",
    logger: memoryLogger(),
  });
  const post = (path: string, token: string | null = "s3cret", method = "POST") =>
    handler(
      new Request(`http://admin${path}`, {
        method,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
      }),
    );
  return { post, asked };
}

Deno.test("replacePathName() reads the name of /members/<name>/replace only", () => {
  assert.equal(replacePathName("/members/etcd-3/replace"), "etcd-3");
  assert.equal(replacePathName("/members/etcd-3"), undefined);
  assert.equal(replacePathName("/members/a/b/replace"), undefined);
});

Deno.test("POST /members/<name>/replace: 202 with the core's decision, 409 refused", async () => {
  const ok = setup();
  const res = await ok.post("/members/etcd-2/replace");
  assert.equal(res.status, 202);
  assert.equal(await res.text(), "replacing: etcd-2 will be removed\n");
  assert.deepEqual(ok.asked, ["etcd-2"]);
  const no = setup({ accepted: false, message: "no member etcd-9" });
  const refused = await no.post("/members/etcd-9/replace");
  assert.equal(refused.status, 409);
  assert.match(await refused.text(), /replace refused: no member etcd-9/);
});

Deno.test("POST /members/<name>/replace needs the token, POST and a good name", async () => {
  const s = setup();
  const anonymous = await s.post("/members/etcd-2/replace", null);
  assert.equal(anonymous.status, 401);
  await anonymous.text();
  const get = await s.post("/members/etcd-2/replace", "s3cret", "GET");
  assert.equal(get.status, 405);
  await get.text();
  const bad = await s.post("/members/%2e%2e%20x/replace");
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Cannot replace member "\.\. x"/);
  assert.deepEqual(s.asked, [], "nothing reached the core");
});

Deno.test("GET /volumes lists the members' volumes", async () => {
  const res = await setup().post("/volumes", null, "GET");
  assert.equal(res.status, 200);
  const list = await res.json();
  assert.equal(list[0].member, "etcd-2");
  assert.equal(list[0].state, "waiting");
});
