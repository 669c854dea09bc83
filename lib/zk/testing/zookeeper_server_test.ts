import assert from "node:assert/strict";
import { ZkClient } from "../client.ts";
import { startZooKeeper, ZooKeeperStartError } from "./zookeeper_server.ts";
import { freePort } from "../../free_ports.ts";

Deno.test("startZooKeeper() serves sessions on 127.0.0.1 and stop() removes its temp dir", async () => {
  const zk = await startZooKeeper();
  let stopped = false;
  try {
    assert.equal(zk.url, `127.0.0.1:${zk.port}`);
    const client = await ZkClient.connect(zk.url);
    assert.equal(await client.create("/hello", "world"), "/hello");
    await client.close();
    await zk.stop();
    stopped = true;
    await zk.stop(); // idempotent
    await assert.rejects(() => Deno.connect({ hostname: "127.0.0.1", port: zk.port }));
    await assert.rejects(() => Deno.stat(zk.dir), Deno.errors.NotFound);
  } finally {
    if (!stopped) await zk.stop();
  }
});

Deno.test("startZooKeeper() uses the given port and dir and restart() keeps the data", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zk-own-" });
  const port = freePort();
  const zk = await startZooKeeper({ port, dir });
  try {
    assert.equal(zk.port, port);
    assert.equal(zk.dir, dir);
    const before = await ZkClient.connect(zk.url);
    await before.create("/kept", "yes");
    await before.close();
    await zk.restart();
    const after = await ZkClient.connect(zk.url);
    assert.equal(new TextDecoder().decode((await after.getData("/kept")).data), "yes");
    await after.close();
  } finally {
    await zk.stop();
  }
  await assert.rejects(() => zk.restart(), /was stopped/);
  assert.ok((await Deno.stat(`${dir}/zoo.cfg`)).isFile);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("startZooKeeper() fails with the server's output when the port is taken", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  try {
    await assert.rejects(() => startZooKeeper({ port, startTimeoutMs: 20_000 }), (e: unknown) => {
      assert.ok(e instanceof ZooKeeperStartError);
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port} exited during start`));
      assert.match(e.output, /Address already in use/);
      return true;
    });
  } finally {
    listener.close();
  }
});
