/**
 * End to end: with `--auto-reseed=false` a cluster that lost quorum is left alone until an
 * operator calls `POST /reseed` with the admin token. Real ZooKeeper (master registration,
 * framework id), the local Mesos (1 master, 3 agents), the scheduler as a process. Two of
 * three members' executors are killed; past `--reseed-timeout` nothing happens; a request
 * without the token is refused (401); with it the scheduler answers 202 with its decision,
 * seeds from the survivor and regrows to 3 with the data; a later request is refused (409)
 * because quorum is not lost.
 *
 * Set `KEEP_WORK=1` to keep the work directory.
 *
 * @module
 */
import assert from "node:assert/strict";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "reseed-admin/key";
const TOKEN = "reseed-admin-token";

Deno.test("reseed with --auto-reseed=false happens only on POST /reseed with the token", () =>
  withWorld({
    name: "reseed-admin",
    agents: 3,
    zookeeper: true,
    schedulerFlags: [
      "--framework-name=reseed-admin",
      `--admin-token=${TOKEN}`,
      "--reseed-timeout=3s",
      "--auto-reseed=false",
    ],
  }, async (world) => {
    const { admin } = world;
    const members = await admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivor = members.find((m) => !m.leader) ?? members[0]!;
    assert.equal(await readKey(endpointsOf([survivor]), KEY), "kept");
    const refusedHealthy = await admin.reseed(TOKEN);
    assert.equal(refusedHealthy.status, 409);
    assert.match(refusedHealthy.body, /^reseed refused: quorum is not lost: 3 of 3 voting members/);

    for (const m of members.filter((x) => x !== survivor)) world.killExecutor(m);
    world.mark(`killed 2 executors; ${survivor.name} survives`);

    // Quorum is lost, and stays lost past --reseed-timeout: nothing happens by itself.
    await admin.waitStats("quorum loss to be noticed", (s) => s.cluster_livelocks >= 1, 60_000);
    await new Promise((r) => setTimeout(r, 6_000));
    const idle = await admin.stats();
    assert.equal(idle.cluster_reseeds, 0, "no automatic reseed");
    assert.equal(idle.reseeding, 0);
    assert.deepEqual((await admin.history()).reseeds, [], "no reseed started");
    const h = await admin.healthz();
    assert.equal(h.status, 503);
    assert.match(h.body, /voting members reachable/);
    world.mark("no reseed without an operator");

    assert.equal((await admin.reseed()).status, 401);
    assert.equal((await admin.reseed("not-the-token")).status, 401);
    assert.equal((await admin.stats()).reseeding, 0);
    const accepted = await admin.reseed(TOKEN);
    assert.equal(accepted.status, 202, accepted.body);
    assert.match(
      accepted.body,
      new RegExp(
        `^reseeding: reseed-1 started: quorum lost .*best survivor so far ${survivor.name}`,
      ),
    );
    world.mark("POST /reseed accepted");

    await admin.waitStats(
      "the reseed to finish",
      (s) => s.cluster_reseeds === 1 && s.reseeding === 0,
      90_000,
    );
    const healed = await admin.waitHealthy(3, 120_000);
    world.mark("reseeded and regrown to 3");
    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the survivor's task was kept");
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    const again = await admin.reseed(TOKEN);
    assert.equal(again.status, 409);
    assert.match(again.body, /quorum is not lost/);
    // The operator's request started the one reseed.
    const { reseeds } = await admin.history();
    assert.deepEqual(
      reseeds.map((r) => [r.id, r.source, r.outcome, r.seeds]),
      [["reseed-1", "admin", "done", [survivor.name]]],
    );
    // No admin-API equivalent: the secret must never reach the log.
    const text = await world.scheduler.process.logText();
    assert.ok(!text.includes(TOKEN), "the token is never logged");
  }));
