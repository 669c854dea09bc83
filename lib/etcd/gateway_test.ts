/**
 * The JSON gateway transport against real etcd 3.4: etcd's refusals, a removed member, a
 * refused connection, a frozen member and a refused TLS client each become the
 * {@linkcode EtcdAdminError} kind the scheduler decides on.
 */
import assert from "node:assert/strict";
import { createEtcdAdminClient } from "./admin_client.ts";
import { EtcdAdminError, toAdminError } from "./admin_errors.ts";
import { normalizeEndpoint } from "./endpoints.ts";
import { EtcdGateway, EtcdGatewayError } from "./gateway.ts";
import { startEtcd } from "./testing/etcd_server.ts";
import { type EtcdJoiner, startJoiner } from "./testing/etcd_joiner.ts";
import { createTestPki } from "../tls/testing/test_pki.ts";
import { until } from "../until.ts";
import { kindOf } from "./testing/admin_error_kind.ts";
import { freePort } from "../free_ports.ts";

/** The pid of the etcd whose data is under `dir`. */
function etcdPid(dir: string): number {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      if (cmd.includes("etcd") && cmd.includes(`--data-dir=${dir}/data`)) return Number(e.name);
    } catch {
      // gone
    }
  }
  throw new Error(`no etcd with data in ${dir}`);
}

/** True when every thread of `pid` is in state T (stopped). */
function everyThreadStopped(pid: number): boolean {
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    const stat = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`);
    if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "T") return false;
  }
  return true;
}

Deno.test("gateway: etcd's refusals of membership changes map to their kinds", async () => {
  const etcd = await startEtcd({ name: "seed" });
  const admin = createEtcdAdminClient({ endpoints: [etcd.clientUrl], timeoutMs: 5000 });
  let joiner: EtcdJoiner | undefined;
  try {
    // A learner that never started is never in sync: promote is refused.
    const ghost = await admin.addLearner([`http://127.0.0.1:${freePort()}`]);
    assert.equal(await kindOf(admin.promote(ghost.member.id)), "learner-not-ready");
    await admin.remove(ghost.member.id);

    const peerPort = freePort();
    const added = await admin.addLearner([`http://127.0.0.1:${peerPort}`]);
    joiner = await startJoiner(
      "joiner",
      peerPort,
      `seed=${etcd.peerUrl},joiner=http://127.0.0.1:${peerPort}`,
    );
    await until(async () => {
      try {
        return await admin.promote(added.member.id);
      } catch (err) {
        if (err instanceof EtcdAdminError && err.kind === "learner-not-ready") return undefined;
        throw err;
      }
    }, { timeoutMs: 20_000, what: "the learner promoted" });
    // Strict reconfiguration: the new voter has not been connected for 5 s yet.
    assert.equal(await kindOf(admin.remove(added.member.id)), "unhealthy-cluster");
    await until(async () => {
      try {
        return await admin.remove(added.member.id);
      } catch (err) {
        if (err instanceof EtcdAdminError && err.kind === "unhealthy-cluster") return undefined;
        throw err;
      }
    }, { timeoutMs: 20_000, what: "the voter removed" });
    assert.equal(await kindOf(admin.remove(added.member.id)), "member-not-found");

    // The removed member stops serving; a cluster call moves past it.
    const removed = joiner.clientUrl;
    await until(async () => {
      try {
        await admin.status(removed);
        return undefined;
      } catch (err) {
        return err instanceof EtcdAdminError && err.kind === "unavailable" ? true : undefined;
      }
    }, { timeoutMs: 20_000, what: "the removed member unavailable" });
    const members = await admin.memberList({ endpoints: [removed, etcd.clientUrl] });
    assert.deepEqual(members.map((m) => m.name), ["seed"]);
  } finally {
    admin.close();
    await joiner?.stop();
    await etcd.stop();
  }
});

Deno.test("gateway: an unknown call is unimplemented; a bad request names etcd's message", async () => {
  const etcd = await startEtcd();
  const gateway = new EtcdGateway(normalizeEndpoint(etcd.clientUrl));
  const deadline = () => ({ deadline: Date.now() + 3000 });
  try {
    const unknown = await gateway.post("maintenance/nothing", {}, deadline()).catch((e) => e);
    assert.ok(unknown instanceof EtcdGatewayError, String(unknown));
    assert.equal(unknown.httpStatus, 404);
    assert.equal(toAdminError("nothing", "h:1", unknown).kind, "unimplemented");
    const bad = await gateway.post("kv/range", {}, deadline()).catch((e) => e);
    assert.ok(bad instanceof EtcdGatewayError);
    assert.equal(bad.grpcCode, 3);
    assert.match(bad.message, /key is not provided/);
    assert.equal(toAdminError("range", "h:1", bad).kind, "other");
  } finally {
    gateway.close();
    await etcd.stop();
  }
  const closed = await gateway.post("maintenance/status", {}, deadline()).catch((e) => e);
  assert.ok(closed instanceof EtcdGatewayError && closed.transport === "closed", String(closed));
});

Deno.test("gateway: a refused connection is unavailable; a frozen member times out and recovers", async () => {
  const etcd = await startEtcd();
  const admin = createEtcdAdminClient({ endpoints: [etcd.clientUrl], timeoutMs: 500 });
  const pid = etcdPid(etcd.dir);
  try {
    assert.equal(await kindOf(admin.status(`127.0.0.1:${freePort()}`)), "unavailable");
    // A kept-alive connection to reuse (retried: 500 ms is short on a loaded machine).
    await until(() => admin.status(etcd.clientUrl).catch(() => undefined), {
      timeoutMs: 10_000,
      what: "a first status",
    });
    Deno.kill(pid, "SIGSTOP");
    // Each of etcd's threads stops when next scheduled: on a loaded machine one may still
    // answer right after kill() returns.
    await until(() => everyThreadStopped(pid), { timeoutMs: 10_000, what: "etcd stopped" });
    const started = Date.now();
    assert.equal(await kindOf(admin.status(etcd.clientUrl)), "timeout");
    assert.equal(await kindOf(admin.memberList()), "timeout");
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    Deno.kill(pid, "SIGCONT");
    const s = await until(() => admin.status(etcd.clientUrl).catch(() => undefined), {
      timeoutMs: 10_000,
      what: "the thawed member answering",
    });
    assert.notEqual(s.memberId, "0");
  } finally {
    try {
      Deno.kill(pid, "SIGCONT");
    } catch {
      // exited
    }
    admin.close();
    await etcd.stop();
  }
});

Deno.test("gateway: etcd over TLS refuses a self-signed client: unavailable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcd-gw-tls-" });
  const pki = await createTestPki(dir);
  const server = await pki.issue("etcd0");
  const client = await pki.issue("client", { usages: ["clientAuth"] });
  const etcd = await startEtcd({ dir, tls: { server: server.paths, client } });
  const other = await createTestPki(`${dir}/other`, "other");
  const stranger = { ...await other.issue("stranger", { usages: ["clientAuth"] }) };
  const good = createEtcdAdminClient({ endpoints: [etcd.clientUrl], tls: () => client });
  const bad = createEtcdAdminClient({
    endpoints: [etcd.clientUrl],
    timeoutMs: 2000,
    tls: () => ({ ...stranger, caPem: client.caPem }),
  });
  try {
    assert.match(etcd.clientUrl, /^https:/);
    assert.notEqual((await good.status(etcd.clientUrl)).memberId, "0");
    assert.equal(await kindOf(bad.status(etcd.clientUrl)), "unavailable");
  } finally {
    good.close();
    bad.close();
    await etcd.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
