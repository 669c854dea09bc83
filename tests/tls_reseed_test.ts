/**
 * End to end with `--tls`: two of three members' executors are killed, quorum is lost, and
 * the automatic reseed (fence orders, `--force-new-cluster` on the survivor, regrowth with new
 * members getting their certificates) brings the cluster back to 3 healthy members over
 * mutual TLS with the data written before.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { etcd3TlsOptions } from "../lib/etcd/testing/etcd3_options.ts";
import type { TlsMaterial } from "../lib/tls/files.ts";
import { requestClientIdentity } from "../localcluster/tls_client.ts";
import type { MemberView } from "../scheduler/core/views.ts";
import { withWorld } from "./testing/world.ts";

const TOKEN = "tls-reseed-token-0b7e";
const KEY = "tls-reseed/key";

function client(members: readonly MemberView[], identity: TlsMaterial): Etcd3 {
  const hosts = members.map((m) => `${m.host}:${m.clientPort}`);
  return new Etcd3({ hosts, dialTimeout: 3000, ...etcd3TlsOptions(hosts[0]!, identity) });
}

Deno.test("--tls: a reseed after quorum loss brings the cluster back over TLS with its data", () =>
  withWorld({ name: "tls-reseed", agents: 3, scheduler: false }, async (world) => {
    const tokenFile = `${world.work}/admin-token`;
    await Deno.writeTextFile(tokenFile, TOKEN, { mode: 0o600 });
    const scheduler = world.startScheduler({
      flags: [
        "--tls",
        `--tls-dir=${world.work}/scheduler-tls`,
        `--admin-token-file=${tokenFile}`,
        "--reseed-timeout=3s",
      ],
    });
    const members = await world.admin.waitHealthy(3, 120_000);
    const base = `http://127.0.0.1:${scheduler.admin.port}`;
    const identity = await requestClientIdentity(base, TOKEN, { commonName: "reseed-test" });
    const before = client(members, identity);
    try {
      await before.put(KEY).value("kept");
    } finally {
      before.close();
    }
    const survivor = members.find((m) => !m.leader) ?? members[0]!;
    for (const m of members.filter((x) => x !== survivor)) world.killExecutor(m);
    world.mark(`killed 2 executors; ${survivor.name} survives`);
    await world.admin.waitReseeded(120_000);
    const healed = await world.admin.waitHealthy(3, 120_000);
    world.mark("reseeded and regrown to 3 over TLS");
    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the survivor's task was kept");
    const after = client(healed, identity);
    try {
      assert.equal(await after.get(KEY).string(), "kept");
    } finally {
      after.close();
    }
  }));
