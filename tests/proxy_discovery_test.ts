/**
 * End to end: real ZooKeeper, the local Mesos (1 master, 4 agents), the executor artifact,
 * the scheduler and two `etcd-mesos-proxy` processes — one asking the scheduler's
 * `/members`, one asking the master (through ZooKeeper). Mesos-DNS's names, computed from the
 * master's `/master/state.json`, give the members' peer and client ports; a key goes in
 * through one proxy and out through the other; after a member's agent goes away and the
 * member is replaced on the spare agent (other ports), both proxies run on the new endpoints
 * and still serve the key. Nothing is left running afterwards.
 *
 * Set `PROXY_E2E_KEEP=1` to keep the work directory (logs, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import { mesosDnsRecords, srvPorts } from "../lib/mesos/testing/mesos_dns.ts";
import { freePort, startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import { schedulerFlags, startTestMesos, testExecutorArtifact } from "./e2e_env.ts";
import type { MemberView } from "../scheduler/core/views.ts";
import {
  AdminApi,
  appendToLog,
  endpointsOf,
  pidsMentioning,
  readKey,
  SchedulerProcess,
  stepTimer,
  until,
  writeKey,
} from "./scheduler_harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FRAMEWORK = "etcd-px";

/** `deno run -A proxy/main.ts <args>` with stderr appended to `logFile`. */
class ProxyProcess {
  readonly listen: string;
  readonly #child: Deno.ChildProcess;
  readonly #piping: Promise<void>;

  constructor(args: readonly string[], listen: string, logFile: string) {
    this.listen = listen;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}proxy/main.ts`, `--listen-client-urls=http://${listen}`, ...args],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#piping = appendToLog(this.#child.stderr, logFile);
  }

  /** The `--endpoints` of the etcd grpc-proxy serving this proxy's listen address. */
  async grpcProxyEndpoints(): Promise<string[] | undefined> {
    const pids = await pidsMentioning(`--listen-addr=${this.listen}`, "etcd");
    if (pids.length !== 1) return undefined;
    const argv = (await Deno.readTextFile(`/proc/${pids[0]}/cmdline`)).split("\0");
    const flag = argv.find((a) => a.startsWith("--endpoints="));
    return flag?.slice("--endpoints=".length).split(",").sort();
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const status = await this.#child.status;
    await this.#piping;
    return status.code;
  }
}

function voters(ms: readonly MemberView[]): MemberView[] {
  return ms.filter((m) => m.taskState === "TASK_RUNNING" && !m.learner);
}

Deno.test("proxies follow a member replacement, and Mesos-DNS names give the members' ports", async () => {
  const log = createLogger({ level: "info", fields: { test: "proxy-e2e" } });
  const mark = stepTimer(log);
  const work = await Deno.makeTempDir({ prefix: "etcd-mesos-proxy-e2e-" });
  const cleanup: (() => Promise<unknown>)[] = [];
  const proxies: ProxyProcess[] = [];
  let scheduler: SchedulerProcess | undefined;
  const exitCodes: number[] = [];
  try {
    const zk = await startZooKeeper();
    cleanup.push(() => zk.stop());
    const artifact = await testExecutorArtifact(log);
    mark("zookeeper up, executor artifact ready");
    const { mesos } = await startTestMesos({ name: "proxy-e2e", work, agents: 4, zkUrl: zk.url });
    cleanup.push(() => mesos.stop());
    const adminPort = freePort();
    scheduler = new SchedulerProcess(
      schedulerFlags({
        masterSpec: mesos.masterSpec,
        zkUrl: zk.url,
        adminPort,
        artifact,
        clusterSize: 3,
        extra: [`--framework-name=${FRAMEWORK}`],
      }),
      `${work}/scheduler.log`,
    );
    const admin = new AdminApi(adminPort);
    const members = await admin.waitHealthy(3, 90_000);
    mark("3 members healthy");

    // Discovery: what Mesos-DNS would serve, from the leading master's /master/state.json.
    const leader = mesos.leader();
    assert.ok(leader, "a leading master");
    const res = await fetch(`${leader.url}/master/state.json`);
    const records = mesosDnsRecords(await res.json());
    const sortedPorts = (f: (m: MemberView) => number) => members.map(f).sort((a, b) => a - b);
    assert.deepEqual(
      srvPorts(records, `_etcd-server._tcp.${FRAMEWORK}.mesos`),
      sortedPorts((m) => m.rpcPort),
      "_etcd-server._tcp gives the peer ports (etcd --discovery-srv)",
    );
    assert.deepEqual(
      srvPorts(records, `_etcd-server._client.${FRAMEWORK}.mesos`),
      sortedPorts((m) => m.clientPort),
      "_etcd-server._client gives the client ports",
    );
    mark("Mesos-DNS names checked");

    // Two proxies: one asks the scheduler, one the master (found through ZooKeeper).
    const common = ["--poll-interval=1s", "--etcd-bin=/usr/bin/etcd"];
    proxies.push(
      new ProxyProcess(
        [...common, `--scheduler-url=http://127.0.0.1:${adminPort}`, `--data-dir=${work}/p1`],
        `127.0.0.1:${freePort()}`,
        `${work}/proxy-scheduler.log`,
      ),
      new ProxyProcess(
        [
          ...common,
          `--master=${mesos.masterSpec}`,
          `--framework-name=${FRAMEWORK}`,
          `--data-dir=${work}/p2`,
        ],
        `127.0.0.1:${freePort()}`,
        `${work}/proxy-master.log`,
      ),
    );
    const [viaScheduler, viaMaster] = proxies as [ProxyProcess, ProxyProcess];
    const expected = endpointsOf(members).sort();
    for (const p of proxies) {
      await until(`proxy ${p.listen} on the 3 members`, 30_000, async () => {
        const eps = await p.grpcProxyEndpoints();
        return JSON.stringify(eps) === JSON.stringify(expected) ? true : undefined;
      });
    }
    await until("a write through the scheduler-fed proxy", 20_000, async () => {
      await writeKey([`http://${viaScheduler.listen}`], "proxy/key", "kept");
      return true;
    });
    assert.equal(await readKey([`http://${viaMaster.listen}`], "proxy/key"), "kept");
    mark("key written through one proxy, read through the other");

    // Replace a member: its agent goes away (executor and etcd with it); the replacement
    // can only run on the spare agent, whose ports differ.
    const lost = members.find((m) => !m.leader) ?? members[0]!;
    const agent = mesos.agents.find((a) => a.id === lost.agentId);
    assert.ok(agent, `agent ${lost.agentId} of ${lost.name}`);
    await agent.stop();
    mark(`stopped the agent of ${lost.name}`);
    await until(`${lost.name} to be replaced`, 90_000, async () => {
      const ms = await admin.members();
      return ms.length === 3 && !ms.some((m) => m.taskId === lost.taskId) ? true : undefined;
    });
    const replaced = voters(await admin.waitHealthy(3, 120_000));
    const now = endpointsOf(replaced).sort();
    assert.notDeepEqual(now, expected, "a new member, new endpoints");
    mark("member replaced; healthy with 3 members");
    // The scheduler knows at once that the old member is gone; the master keeps reporting
    // its task as running until it gives the agent up, so that proxy may keep the dead
    // endpoint for a while (its client skips it) — but it must have the new one.
    const follows = async (p: ProxyProcess, exact: boolean) => {
      const eps = await p.grpcProxyEndpoints();
      if (eps === undefined) return undefined;
      const ok = exact
        ? JSON.stringify(eps) === JSON.stringify(now)
        : now.every((e) => eps.includes(e));
      return ok ? eps : undefined;
    };
    await until(
      `the scheduler-fed proxy exactly on ${now}`,
      30_000,
      () => follows(viaScheduler, true),
    );
    const masterEps = await until(
      `the master-fed proxy on ${now}`,
      30_000,
      () => follows(viaMaster, false),
    );
    log.info("master-fed proxy endpoints", { endpoints: masterEps.join(",") });
    mark("both proxies restarted on the new endpoints");
    for (const p of proxies) {
      const value = await until(
        `the key through ${p.listen}`,
        20_000,
        async () => (await readKey([`http://${p.listen}`], "proxy/key")) ?? undefined,
      );
      assert.equal(value, "kept");
    }
    await writeKey([`http://${viaMaster.listen}`], "proxy/after", "yes");
    assert.equal(await readKey(endpointsOf(replaced), "proxy/after"), "yes");
    mark("both proxies serve reads and writes after the replacement");
  } catch (e) {
    for (const f of ["scheduler.log", "proxy-scheduler.log", "proxy-master.log"]) {
      const tail = await Deno.readTextFile(`${work}/${f}`).catch(() => "");
      log.error(`${f} tail`, { tail: tail.slice(-6000) });
    }
    throw e;
  } finally {
    for (const p of proxies) exitCodes.push(await p.stop());
    if (scheduler) await scheduler.stop();
    for (const step of cleanup.reverse()) await step().catch((e) => log.warn("cleanup", { e }));
    mark("everything stopped");
    const left = await pidsMentioning(work, "etcd");
    if (Deno.env.get("PROXY_E2E_KEEP")) log.info("work dir kept", { work });
    else await Deno.remove(work, { recursive: true }).catch(() => {});
    assert.deepEqual(left, [], "no etcd or grpc-proxy process of this test is left");
  }
  assert.deepEqual(exitCodes, [0, 0], "the proxies stop gracefully on SIGTERM");
});
