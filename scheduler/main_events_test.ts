import assert from "node:assert/strict";
import { silentLogger } from "../lib/log.ts";
import { createLocalMaster } from "../lib/localmesos/master/master.ts";
import { until } from "../lib/until.ts";
import { ZkClient } from "../lib/zk/client.ts";
import { startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import { freePort } from "../lib/free_ports.ts";
import { encodeEvents } from "./events/event_store.ts";
import { runScheduler } from "./main.ts";

const STORED = [
  {
    seq: 7,
    at: 1000,
    time: "1970-01-01T00:00:01.000Z",
    kind: "kill" as const,
    reason: "unreachable for 30s",
    fields: { member: "etcd-2" },
  },
  {
    seq: 8,
    at: 2000,
    time: "1970-01-01T00:00:02.000Z",
    kind: "relaunch" as const,
    reason: "replaces etcd-2, on h4",
    fields: { member: "etcd-4" },
  },
];

Deno.test("runScheduler() serves the audit trail stored in ZooKeeper once it leads, and keeps it", async () => {
  const zk = await startZooKeeper();
  const master = await createLocalMaster({ port: 0, logger: silentLogger });
  const raw = await ZkClient.connect(zk.url);
  const node = "/etcd-mesos/prod_events";
  try {
    await raw.mkdirp("/etcd-mesos");
    await raw.create(node, encodeEvents(STORED), "persistent");
    const adminPort = freePort();
    const stop = new AbortController();
    const run = runScheduler(
      [
        `--master=${master.url}`,
        `--zk-framework-persist=zk://${zk.url}/etcd-mesos`,
        "--framework-name=prod",
        `--admin-port=${adminPort}`,
        "--address=127.0.0.1",
        "--executor-uri=/x/etcd-mesos-executor.tar.gz",
        "--etcd-uri=/usr/bin/etcd",
        "--cluster-size=1",
      ],
      {},
      { logger: silentLogger, signal: stop.signal },
    );
    const events = await until(async () => {
      const res = await fetch(`http://127.0.0.1:${adminPort}/events`);
      const list = await res.json();
      return list.length > 0 ? list : undefined;
    }, { timeoutMs: 20_000, what: "the stored events on /events" });
    assert.deepEqual(events, STORED);
    const kills = await (await fetch(`http://127.0.0.1:${adminPort}/events?kind=kill`)).json();
    assert.deepEqual(kills.map((e: { seq: number }) => e.seq), [7]);
    stop.abort();
    assert.equal(await run, 0);
    const kept = JSON.parse(new TextDecoder().decode((await raw.getData(node)).data));
    assert.deepEqual(kept.events, STORED, "the trail is still there for the next scheduler");
  } finally {
    await raw.close();
    await master.stop();
    await zk.stop();
  }
});
