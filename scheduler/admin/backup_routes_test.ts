import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { putKey } from "../../lib/backup/testing/etcd_put.ts";
import { startEtcd } from "../../lib/etcd/testing/etcd_server.ts";
import { silentLogger } from "../../lib/log.ts";
import { initialState } from "../core/state.ts";
import { statsOf } from "../core/views.ts";
import { attachedBackups } from "../testing/attached_backups.ts";
import { createAdminHandler } from "./handler.ts";
import { parseRestoreBody } from "./backup_routes.ts";

const TOKEN = "s3cret";
const auth = { authorization: `Bearer ${TOKEN}` };

function handlerWith(backups?: Parameters<typeof createAdminHandler>[0]["backups"]) {
  const state = initialState();
  const handler = createAdminHandler({
    stats: () => statsOf(state),
    members: () => [],
    health: () => ({ healthy: true, reason: "cluster is healthy", phase: "mutable" }),
    requestReseed: () => {},
    token: TOKEN,
    logger: silentLogger,
    ...(backups ? { backups } : {}),
  });
  return (path: string, init?: RequestInit) => handler(new Request(`http://admin${path}`, init));
}

Deno.test("/backups and /restore say backups are off without --backup-store", async () => {
  const call = handlerWith();
  const res = await call("/backups");
  assert.equal(res.status, 404);
  assert.match(await res.text(), /backups are off: start the scheduler with --backup-store/);
  const r2 = await call("/restore", { method: "POST", headers: auth, body: '{"backup":"x"}' });
  assert.equal(r2.status, 404);
  await r2.body?.cancel();
});

Deno.test("parseRestoreBody() names what is wrong", () => {
  assert.deepEqual(parseRestoreBody(new TextEncoder().encode('{"backup":"b","force":true}')), {
    id: "b",
    force: true,
  });
  assert.match(String(parseRestoreBody(new TextEncoder().encode("nope"))), /expected a JSON body/);
  assert.match(
    String(parseRestoreBody(new TextEncoder().encode('{"backup":"b","force":"yes"}'))),
    /"force" "yes" is not true or false/,
  );
});

Deno.test("admin API: POST /backups takes a verified backup of a real etcd, GET /backups lists it, /metrics counts it, POST /restore hands it to the core", async () => {
  const etcd = await startEtcd();
  const dir = await Deno.makeTempDir({ prefix: "admin-backups-" });
  try {
    await putKey(etcd.clientUrl, "k", "v");
    const { backups, pushed, asked } = await attachedBackups(
      [`--backup-store=file://${dir}/store`, `--backup-scratch-dir=${dir}/scratch`],
      etcd.clientUrl,
    );
    const call = handlerWith(backups.admin);

    const anonymous = await call("/backups", { method: "POST" });
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();

    const taken = await call("/backups", { method: "POST", headers: auth });
    assert.equal(taken.status, 201);
    const record = await taken.json();
    assert.equal(record.verified, true, record.drill_error);
    assert.equal(record.revision, "2");
    assert.equal(record.keys, 1);

    const listed = await (await call("/backups")).json();
    assert.equal(listed.store, `file://${dir}/store`);
    assert.deepEqual(listed.backups.map((r: { id: string }) => r.id), [record.id]);
    const latest = pushed.filter((i) => i.type === "backups").at(-1);
    assert.equal(latest?.type === "backups" && latest.latest?.id, record.id, "the core is told");

    const metrics = await (await call("/metrics")).text();
    assert.match(metrics, /^etcd_mesos_backups_total 1$/m);
    assert.match(metrics, /^etcd_mesos_backup_last_verified 1$/m);
    assert.match(metrics, /^etcd_mesos_backup_age_seconds \d+$/m);
    assert.match(metrics, /^etcd_mesos_backup_last_size_bytes \d+$/m);
    assert.match(metrics, /^# TYPE etcd_mesos_backup_failures_total counter$/m);

    const unknown = await call("/restore", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ backup: "20200101T000000000Z" }),
    });
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
    const bad = await call("/restore", { method: "POST", headers: auth, body: "{}" });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const restore = await call("/restore", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ backup: record.id }),
    });
    assert.equal(restore.status, 202);
    assert.equal(await restore.text(), "restoring: restore-1 started\n");
    const url = asked[0]!.backup.url;
    assert.match(
      url,
      new RegExp(`^http://sched:12300/backups/${record.id}\\.db\\?t=[0-9a-f]{32}$`),
    );
    assert.equal(asked[0]!.backup.sha256, record.sha256);
    assert.equal(asked[0]!.force, false);
    // The executors' download: with the URL's token only (the artifact server is open).
    const path = `/backups/${record.id}.db`;
    const served = await backups.route(path, new Request(url));
    const bytes = new Uint8Array(await served!.arrayBuffer());
    assert.equal(createHash("sha256").update(bytes).digest("hex"), record.sha256);
    for (const bad of ["http://x", url.replace(/t=./, "t=_")]) {
      const refused = await backups.route(path, new Request(bad));
      assert.equal(refused?.status, 403, bad);
      assert.match(await refused!.text(), /its URL's token is needed/);
    }
    // A token opens its own backup only (and says nothing of which others exist).
    const other = url.replace(record.id, "20200101T000000000Z");
    const elsewhere = await backups.route(new URL(other).pathname, new Request(other));
    assert.equal(elsewhere?.status, 403);
    await elsewhere?.body?.cancel();
    assert.equal(await backups.route("/backups/nope.db", new Request("http://x")), undefined);
    await backups.stop();
  } finally {
    await etcd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
