import assert from "node:assert/strict";
import { ZkClient } from "./client.ts";
import { ZkConnectError } from "./errors.ts";
import type { ZkState } from "./session.ts";
import type { ZkWatchEvent } from "./znode.ts";
import { expireSession, startZooKeeper } from "./testing/zookeeper_server.ts";
import { freePort } from "../free_ports.ts";

function nextEvent(): { watcher: (e: ZkWatchEvent) => void; event: Promise<ZkWatchEvent> } {
  let watcher!: (e: ZkWatchEvent) => void;
  const event = new Promise<ZkWatchEvent>((resolve) => watcher = resolve);
  return { watcher, event };
}

function waitState(client: ZkClient, want: ZkState): Promise<void> {
  return new Promise((resolve) => {
    if (client.state === want) return resolve();
    const off = client.onStateChange((s) => {
      if (s === want) {
        off();
        resolve();
      }
    });
  });
}

Deno.test("ZkClient.connect() rejects with ZkConnectError when nothing listens", async () => {
  const port = freePort();
  await assert.rejects(
    () => ZkClient.connect(`127.0.0.1:${port}`, { connectTimeoutMs: 300, retryDelayMs: 50 }),
    (e: unknown) => {
      assert.ok(e instanceof ZkConnectError);
      assert.equal(e.reason, "timeout");
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    },
  );
});

Deno.test("ZkClient.connect() rejects an empty connection string naming it", async () => {
  await assert.rejects(() => ZkClient.connect(""), { name: "TypeError", message: /""/ });
});

Deno.test("ZkClient keeps its session and watches across a ZooKeeper restart", async () => {
  const zk = await startZooKeeper();
  const client = await ZkClient.connect(zk.url, { sessionTimeoutMs: 8000, retryDelayMs: 100 });
  const writer = await ZkClient.connect(zk.url, { sessionTimeoutMs: 8000, retryDelayMs: 100 });
  try {
    const session = client.sessionId;
    await client.create("/eph", "", "ephemeral");
    const { watcher, event } = nextEvent();
    await client.getChildren("/", watcher);
    const states: ZkState[] = [];
    client.onStateChange((s) => states.push(s));
    await zk.restart();
    await waitState(client, "connected");
    await waitState(writer, "connected");
    assert.deepEqual(states.slice(0, 2), ["disconnected", "connected"]);
    assert.equal(client.sessionId, session);
    assert.ok(await client.exists("/eph"));
    await writer.create("/after-restart");
    assert.deepEqual(await event, { type: "children_changed", path: "/" });
  } finally {
    await client.close();
    await writer.close();
    await zk.stop();
  }
});

Deno.test("ZkClient session expiry is final and fails later calls", async () => {
  const zk = await startZooKeeper();
  const client = await ZkClient.connect(zk.url, { sessionTimeoutMs: 4000, retryDelayMs: 100 });
  try {
    await client.create("/eph", "", "ephemeral");
    const expired = waitState(client, "expired");
    await expireSession(zk, client);
    await expired;
    await assert.rejects(() => client.exists("/eph"), { code: "SESSION_EXPIRED" });
    const fresh = await ZkClient.connect(zk.url);
    assert.equal(await fresh.exists("/eph"), undefined);
    await fresh.close();
  } finally {
    await client.close();
    await zk.stop();
  }
});
