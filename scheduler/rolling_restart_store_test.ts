import assert from "node:assert/strict";
import { startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import type { RollingRestartRecord } from "./core/rolling_restart_run.ts";
import {
  createRollingRestartStore,
  decodeRollingRestart,
  rollingRestartNode,
} from "./rolling_restart_store.ts";

const RECORD: RollingRestartRecord = {
  spec: { uri: "http://a/etcd-copy", flags: ["--quota-backend-bytes=4294967296"] },
  started: 2,
  finished: 1,
  run: {
    id: "rolling-restart-2",
    spec: { uri: "http://a/etcd-copy", flags: ["--quota-backend-bytes=4294967296"] },
    previousSpec: { flags: ["--snapshot-count=5000"] },
    startedAt: 1_700_000_000_000,
    targets: ["etcd-2", "etcd-3", "etcd-1"],
    done: ["etcd-2"],
    seq: 3,
  },
};

Deno.test("rollingRestartNode() is <chroot>/<name>_rolling_restart", () => {
  assert.equal(rollingRestartNode("/etcd-mesos", "etcd"), "/etcd-mesos/etcd_rolling_restart");
});

Deno.test("decodeRollingRestart() reads a record and names garbage, bad flags and its node", () => {
  assert.deepEqual(decodeRollingRestart(JSON.stringify(RECORD), "/n"), RECORD);
  assert.throws(
    () => decodeRollingRestart("{", "/n"),
    /rolling restart "\{" stored in \/n: not JSON/,
  );
  assert.throws(() => decodeRollingRestart("{}", "/n"), /stored in \/n: expected the counts/);
  const bad = { ...RECORD, spec: { flags: ["--data-dir=/x"] } };
  assert.throws(
    () => decodeRollingRestart(JSON.stringify(bad), "/n"),
    /stored in \/n: .*--data-dir is set by the framework/,
  );
  const noDone = { ...RECORD, run: { ...RECORD.run, done: "etcd-2" } };
  assert.throws(() => decodeRollingRestart(JSON.stringify(noDone), "/n"), /targets and done/);
});

Deno.test("the rolling restart store keeps the record in ZooKeeper for the next scheduler", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/etcd-mesos`;
  const a = createRollingRestartStore({ zk: url, frameworkName: "rr" });
  const b = createRollingRestartStore({ zk: url, frameworkName: "rr" });
  try {
    assert.equal(await a.load(), undefined);
    await a.save({ started: 1, finished: 0 });
    await a.save(RECORD);
    assert.deepEqual(await b.load(), RECORD, "a new scheduler reads the newest record");
  } finally {
    await a.close();
    await b.close();
    await zk.stop();
  }
});
