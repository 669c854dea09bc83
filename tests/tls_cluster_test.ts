/**
 * End to end with `--tls`: a 3-member cluster comes up with mutual TLS (each member's key
 * made by its executor, its certificate signed by the scheduler over framework messages);
 * a client certificate from `POST /certificates` reads and writes; a self-signed client and
 * plain http are refused; a member whose executor is killed is replaced and the cluster
 * heals under TLS; and no private key nor the admin token appears in any log, `/stats`,
 * `/members`, `/history`, `/metrics` or the master's state (task infos, labels).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createEtcdAdminClient } from "../lib/etcd/admin_client.ts";
import type { TlsMaterial } from "../lib/tls/files.ts";
import { requestClientIdentity } from "../localcluster/tls_client.ts";
import { createTestPki } from "../lib/tls/testing/test_pki.ts";
import { until } from "../lib/until.ts";
import type { MemberView } from "../scheduler/core/views.ts";
import { withWorld } from "./testing/world.ts";

const TOKEN = "tls-test-token-7f3a9c";

function httpsEndpoints(members: readonly MemberView[]): string[] {
  return members.map((m) => `https://${m.host}:${m.clientPort}`);
}

function clientIdentity(adminPort: number): Promise<TlsMaterial> {
  return requestClientIdentity(`http://127.0.0.1:${adminPort}`, TOKEN, {
    commonName: "tls-test-client",
    days: 1,
  });
}

Deno.test("--tls: members run with mutual TLS, clients need a certificate of the CA, heal works", () =>
  withWorld({ name: "tls", agents: 4, scheduler: false }, async (world) => {
    const tokenFile = `${world.work}/admin-token`;
    await Deno.writeTextFile(tokenFile, TOKEN, { mode: 0o600 });
    const scheduler = world.startScheduler({
      flags: ["--tls", `--tls-dir=${world.work}/scheduler-tls`, `--admin-token-file=${tokenFile}`],
    });
    const members = await world.admin.waitHealthy(3, 120_000);
    world.mark("3 members healthy over TLS");

    const identity = await clientIdentity(scheduler.admin.port);
    const etcd = createEtcdAdminClient({ endpoints: httpsEndpoints(members), tls: () => identity });
    try {
      const list = await etcd.memberList();
      assert.equal(list.length, 3);
      for (const m of list) assert.match(m.peerUrls[0]!, /^https:\/\//);
      assert.ok((await etcd.linearizableRead()).revision);
    } finally {
      etcd.close();
    }
    world.mark("client certificate from the admin API served");

    const one = members[0]!;
    const plain = await fetch(`http://${one.host}:${one.clientPort}/health`).then(
      (r) => r.status,
      () => 0,
    );
    assert.notEqual(plain, 200, "plain http answered");
    const stranger = await createTestPki(`${world.work}/stranger`, "stranger");
    const self = await stranger.issue("stranger", { usages: ["clientAuth"] });
    const refused = createEtcdAdminClient({
      endpoints: httpsEndpoints(members),
      timeoutMs: 2000,
      tls: () => ({ ...self, caPem: identity.caPem }),
    });
    try {
      await assert.rejects(() => refused.status(httpsEndpoints([one])[0]!));
    } finally {
      refused.close();
    }
    world.mark("plain http and a self-signed client refused");

    const victim = members.find((m) => !m.leader) ?? members[1]!;
    world.killExecutor(victim);
    await until(async () => {
      const ms = await world.admin.members();
      return ms.length === 3 && !ms.some((m) => m.taskId === victim.taskId) ? ms : undefined;
    }, { timeoutMs: 120_000, what: `${victim.name} replaced` });
    const healed = await world.admin.waitHealthy(3, 120_000);
    world.mark("healed under TLS");
    const history = await (await fetch(`http://127.0.0.1:${scheduler.admin.port}/history`))
      .json() as { certificates: { kind: string }[] };
    assert.ok(history.certificates.filter((c) => c.kind === "member").length >= 4);
    assert.ok(history.certificates.some((c) => c.kind === "client"));

    // No secret anywhere the framework shows or logs.
    const base = `http://127.0.0.1:${scheduler.admin.port}`;
    const shown = [
      ...await Promise.all(
        ["/stats", "/members", "/history", "/metrics", "/healthz"].map(async (p) =>
          await (await fetch(`${base}${p}`)).text()
        ),
      ),
      JSON.stringify(
        await (await fetch(
          `${world.masterSpec.replace(/^(master@)?(?!https?:)/, "http://")}/master/state`,
        )).json(),
      ),
      await Deno.readTextFile(`${world.work}/scheduler-${scheduler.name}.log`),
    ];
    for (const text of shown) {
      assert.doesNotMatch(text, /PRIVATE KEY/);
      assert.ok(!text.includes(TOKEN), "the admin token leaked");
      assert.ok(!text.includes(identity.keyPem.split("\n")[1]!), "a key leaked");
    }
    assert.equal(healed.length, 3);
  }));
