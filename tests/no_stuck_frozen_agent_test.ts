/**
 * End to end (issue 10): an agent frozen with SIGSTOP until the master marks it unreachable
 * (its member's task goes TASK_LOST while that member's etcd keeps running: a stray), then
 * resumed. While it is frozen the cluster must heal to full size on the other agents (a
 * spare one is added); after it resumes, the old member's etcd and executor must be gone
 * (fenced: removed from the membership so it stopped itself, and killed when the master
 * shut the framework down on the re-registering agent), and `/stats` `stray_members` 0.
 *
 * The world's master and two agents run in this process; the agent that is frozen runs as a
 * process of its own (lib/localmesos/agent/testing/agent_process.ts), so that SIGSTOP
 * freezes it and nothing else. The master's ping timeout is 3 s and it removes a silent agent
 * 3 s later.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import { until } from "../lib/until.ts";
import { createLocalAgent, type LocalAgent } from "../lib/localmesos/agent/agent.ts";
import { resourcesForAgent } from "../lib/localmesos/cluster.ts";
import {
  type AgentProcess,
  executorProcessPids,
  isAlive,
  startAgentProcess,
} from "../lib/localmesos/agent/testing/agent_process.ts";
import {
  executorIdOf,
  memberEtcdPid,
  memberEtcdPids,
  reasonsTail,
  watchAdmin,
} from "./testing/stuck.ts";
import { withWorld, type World } from "./testing/world.ts";

interface MasterState {
  unreachable_slaves: number;
  slaves: { id: string }[];
}

/** Agent `slot`'s resources: agent 0's (from its /state) with the ports shifted. */
async function resourcesOfSlot(world: World, slot: number): Promise<string> {
  const state = await (await fetch(`${world.agents[0]!.url}/state`)).json();
  return resourcesForAgent(state.flags.resources as string, slot);
}

Deno.test("agent SIGSTOPped until unreachable, then resumed: healed elsewhere, its stray etcd fenced", () =>
  withWorld({
    name: "stuck-frozen-agent",
    agents: 2,
    portSlots: 4,
    masterOptions: { agentPingTimeoutMs: 3_000, agentReregisterTimeoutMs: 3_000 },
    schedulerFlags: ["--member-grace-period=3s", "--destructive-interval=1s"],
    scheduler: false,
  }, async (world) => {
    let frozen: AgentProcess | undefined;
    let spare: LocalAgent | undefined;
    let schedulerExit: number | undefined;
    const logFile = world.logFile("agent-2.log");
    try {
      frozen = await startAgentProcess({
        master: world.masterSpec,
        workDir: `${world.work}/mesos/agent-2`,
        resources: await resourcesOfSlot(world, 2),
        logFile,
      });
      world.mark(`agent process ${frozen.id} (pid ${frozen.pid}) registered`);
      const admin = world.startScheduler().admin;
      const members = await admin.waitHealthy(3, 90_000);
      world.mark("3 members healthy");
      const victim = members.find((m) => m.agentId === frozen!.id);
      assert.ok(victim, `a member on the agent process ${frozen.id}`);
      const etcd = await memberEtcdPid(world.work, victim);
      spare = await createLocalAgent({
        master: world.masterSpec,
        workDir: `${world.work}/mesos/agent-3`,
        resources: await resourcesOfSlot(world, 3),
        logger: createLogger({ level: "warn", fields: { test: world.name, part: "spare" } }),
      });
      await spare.whenRegistered();
      world.mark(`spare agent ${spare.id} registered`);

      const watch = watchAdmin(admin);
      try {
        frozen.freeze();
        const frozenAt = Date.now();
        world.mark(`SIGSTOP agent ${frozen.id} of ${victim.name} (its etcd is pid ${etcd})`);

        // The master marks it unreachable; the scheduler hears its task is lost.
        const masterUrl = world.masters[0]!.url;
        await until(async () => {
          const s: MasterState = await (await fetch(`${masterUrl}/master/state`)).json();
          return s.unreachable_slaves >= 1 && !s.slaves.some((a) => a.id === frozen!.id);
        }, { timeoutMs: 30_000, what: `the master marking ${frozen.id} unreachable` });
        world.mark(
          `the master removed the agent ${(Date.now() - frozenAt) / 1000} s after SIGSTOP`,
        );
        await until(async () => {
          const m = (await admin.members()).find((x) => x.taskId === victim.taskId);
          return m === undefined || m.taskState !== "TASK_RUNNING";
        }, { timeoutMs: 30_000, what: `${victim.name}'s task no longer running on /members` });
        const strayAfterLoss = await isAlive(etcd);
        world.mark(`${victim.name}'s task lost; its etcd ${strayAfterLoss ? "runs" : "is gone"}`);

        const healed = await admin.waitHealthy(3, 90_000);
        world.mark(`healthy at full size ${(Date.now() - frozenAt) / 1000} s after SIGSTOP`);
        assert.ok(!healed.some((m) => m.agentId === frozen!.id), "nothing on the frozen agent");
        assert.ok(healed.some((m) => m.agentId === spare!.id), "the spare agent took a member");
        world.log.info("before resuming", {
          strayEtcdAlive: await isAlive(etcd),
          etcdsOfTheMember: (await memberEtcdPids(world.work, victim)).join(","),
          stray_members: (await admin.stats()).stray_members,
          maxStraysSeen: watch.maxStrays,
        });

        frozen.resume();
        const resumedAt = Date.now();
        world.mark("SIGCONT agent");
        // The master shuts the framework down on the agent it had removed: the executor and
        // everything in its container go, so nothing starts that etcd again.
        await until(async () => !await isAlive(etcd), {
          timeoutMs: 30_000,
          what: `${victim.name}'s stray etcd (pid ${etcd}) gone after the agent resumed`,
        });
        await until(
          async () => (await executorProcessPids(world.work, executorIdOf(victim))).length === 0,
          { timeoutMs: 30_000, what: `${victim.name}'s executor gone` },
        );
        await until(async () => (await memberEtcdPids(world.work, victim)).length === 0, {
          timeoutMs: 10_000,
          what: `no etcd of ${victim.name}`,
        });
        world.mark(
          `its etcd and executor are gone ${(Date.now() - resumedAt) / 1000} s after SIGCONT`,
        );
        for (const end = Date.now() + 3_000; Date.now() < end;) {
          assert.deepEqual(await memberEtcdPids(world.work, victim), [], "no etcd of it again");
          await new Promise((r) => setTimeout(r, 250));
        }
        await admin.waitStats(
          "stray_members 0, healthy, 3 running",
          (s) => s.stray_members === 0 && s.healthy === 1 && s.running_servers === 3,
          30_000,
        );
        await admin.waitHealthy(3, 30_000);
        world.mark("stray_members 0 and healthy at full size");
      } catch (e) {
        throw new Error(`/healthz said:\n${reasonsTail(await watch.stop())}`, { cause: e });
      }
      const w = await watch.stop();
      assert.equal(w.stuck, undefined, `liveness alarm raised:\n${reasonsTail(w)}`);
      const stats = await admin.stats();
      assert.equal(stats.stuck, 0);
      assert.ok(stats.members_removed >= 1, `members_removed ${stats.members_removed}`);
      assert.equal(stats.cluster_reseeds, 0, "one member lost needs no reseed");
    } finally {
      // The scheduler first, so it sees no agent go; then the agents the world does not know.
      const scheduler = (() => {
        try {
          return world.scheduler;
        } catch {
          return undefined; // none started
        }
      })();
      if (scheduler?.process.running) schedulerExit = await scheduler.stop();
      await spare?.stop();
      await frozen?.stop();
    }
    assert.equal(schedulerExit, 0, "the scheduler stops gracefully on SIGTERM");
  }));
