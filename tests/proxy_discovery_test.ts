/**
 * End to end: real ZooKeeper, the local Mesos (1 master, 4 agents), the executor artifact,
 * the scheduler and two `etcd-mesos-proxy` processes — one asking the scheduler's
 * `/members`, one asking the master (through ZooKeeper). Mesos-DNS's names, computed from the
 * master's `/master/state.json`, give the members' peer and client ports; a key goes in
 * through one proxy and out through the other; after a member's agent goes away and the
 * member is replaced on the spare agent (other ports), both proxies run on the new endpoints
 * and still serve the key. Nothing is left running afterwards.
 *
 * Set `KEEP_WORK=1` to keep the work directory (logs, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../lib/until.ts";
import { mesosDnsRecords, srvPorts } from "../lib/mesos/testing/mesos_dns.ts";
import { freePort } from "../lib/free_ports.ts";
import type { MemberView } from "../scheduler/core/views.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { pidsMentioning, ProgramProcess } from "./testing/processes.ts";
import { withWorld } from "./testing/world.ts";

const FRAMEWORK = "etcd-px";

/** `etcd-mesos-proxy` on its own listen address, and the etcd grpc-proxy it runs. */
class Proxy {
  readonly listen: string;
  readonly process: ProgramProcess;

  constructor(args: readonly string[], logFile: string) {
    this.listen = `127.0.0.1:${freePort()}`;
    this.process = new ProgramProcess(
      "proxy/main.ts",
      [`--listen-client-urls=http://${this.listen}`, ...args],
      logFile,
    );
  }

  /** The `--endpoints` of the etcd grpc-proxy serving this proxy's listen address. */
  async grpcProxyEndpoints(): Promise<string[] | undefined> {
    const pids = await pidsMentioning(`--listen-addr=${this.listen}`, "etcd");
    if (pids.length !== 1) return undefined;
    const argv = (await Deno.readTextFile(`/proc/${pids[0]}/cmdline`)).split("\0");
    const flag = argv.find((a) => a.startsWith("--endpoints="));
    return flag?.slice("--endpoints=".length).split(",").sort();
  }
}

function voters(ms: readonly MemberView[]): MemberView[] {
  return ms.filter((m) => m.taskState === "TASK_RUNNING" && !m.learner);
}

Deno.test("proxies follow a member replacement, and Mesos-DNS names give the members' ports", () =>
  withWorld({
    name: "proxy-e2e",
    zookeeper: true,
    agents: 4,
    schedulerFlags: [`--framework-name=${FRAMEWORK}`],
  }, async (world) => {
    const { admin } = world;
    const proxies: Proxy[] = [];
    let codes: number[] = [];
    try {
      const members = await admin.waitHealthy(3, 90_000);
      world.mark("3 members healthy");

      // Discovery: what Mesos-DNS would serve, from the leading master's /master/state.json.
      const leader = world.leader();
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
      world.mark("Mesos-DNS names checked");

      // Two proxies: one asks the scheduler, one the master (found through ZooKeeper).
      const common = ["--poll-interval=1s", "--etcd-bin=/usr/bin/etcd"];
      const viaScheduler = new Proxy(
        [...common, `--scheduler-url=${admin.url}`, `--data-dir=${world.work}/p1`],
        world.logFile("proxy-scheduler.log"),
      );
      proxies.push(viaScheduler);
      const viaMaster = new Proxy(
        [
          ...common,
          `--master=${world.masterSpec}`,
          `--framework-name=${FRAMEWORK}`,
          `--data-dir=${world.work}/p2`,
        ],
        world.logFile("proxy-master.log"),
      );
      proxies.push(viaMaster);
      const expected = endpointsOf(members).sort();
      for (const p of proxies) {
        await until(async () => {
          const eps = await p.grpcProxyEndpoints();
          return JSON.stringify(eps) === JSON.stringify(expected);
        }, { timeoutMs: 30_000, what: `proxy ${p.listen} on the 3 members` });
      }
      await until(async () => {
        await writeKey([`http://${viaScheduler.listen}`], "proxy/key", "kept");
        return true;
      }, { timeoutMs: 20_000, what: "a write through the scheduler-fed proxy" });
      assert.equal(await readKey([`http://${viaMaster.listen}`], "proxy/key"), "kept");
      world.mark("key written through one proxy, read through the other");

      // Replace a member: its agent goes away (executor and etcd with it); the replacement
      // can only run on the spare agent, whose ports differ.
      const lost = members.find((m) => !m.leader) ?? members[0]!;
      await world.agentOf(lost).stop();
      world.mark(`stopped the agent of ${lost.name}`);
      await until(async () => {
        const ms = await admin.members();
        return ms.length === 3 && !ms.some((m) => m.taskId === lost.taskId);
      }, { timeoutMs: 90_000, what: `${lost.name} to be replaced` });
      const replaced = voters(await admin.waitHealthy(3, 120_000));
      const now = endpointsOf(replaced).sort();
      assert.notDeepEqual(now, expected, "a new member, new endpoints");
      world.mark("member replaced; healthy with 3 members");
      // The scheduler knows at once that the old member is gone; the master keeps reporting
      // its task as running until it gives the agent up, so that proxy may keep the dead
      // endpoint for a while (its client skips it) — but it must have the new one.
      const follows = async (p: Proxy, exact: boolean) => {
        const eps = await p.grpcProxyEndpoints();
        if (eps === undefined) return undefined;
        const ok = exact
          ? JSON.stringify(eps) === JSON.stringify(now)
          : now.every((e) => eps.includes(e));
        return ok ? eps : undefined;
      };
      await until(() => follows(viaScheduler, true), {
        timeoutMs: 30_000,
        what: `the scheduler-fed proxy exactly on ${now}`,
      });
      const masterEps = await until(() => follows(viaMaster, false), {
        timeoutMs: 30_000,
        what: `the master-fed proxy on ${now}`,
      });
      world.log.info("master-fed proxy endpoints", { endpoints: masterEps.join(",") });
      world.mark("both proxies restarted on the new endpoints");
      for (const p of proxies) {
        const value = await until(
          async () => (await readKey([`http://${p.listen}`], "proxy/key")) ?? undefined,
          { timeoutMs: 20_000, what: `the key through ${p.listen}` },
        );
        assert.equal(value, "kept");
      }
      await writeKey([`http://${viaMaster.listen}`], "proxy/after", "yes");
      assert.equal(await readKey(endpointsOf(replaced), "proxy/after"), "yes");
      world.mark("both proxies serve reads and writes after the replacement");
    } finally {
      codes = await Promise.all(proxies.map((p) => p.process.stop()));
    }
    assert.deepEqual(codes, [0, 0], "the proxies stop gracefully on SIGTERM");
  }));
