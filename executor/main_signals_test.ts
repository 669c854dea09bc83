/**
 * The real executor process with a real etcd: a termination signal to the executor
 * (SIGTERM, SIGINT, SIGHUP) stops its etcd before the executor exits, so no etcd is
 * left running without its executor.
 */
import assert from "node:assert/strict";
import { startAgentStandIn } from "./testing/agent_stand_in.ts";
import { memberConfig, memberTask } from "./testing/single_member.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const ETCD = "/usr/bin/etcd";

/** Pids of the live processes whose parent is `ppid` (zombies excluded). */
function childrenOf(ppid: number): number[] {
  const found: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z" && Number(fields[1]) === ppid) found.push(Number(e.name));
    } catch {
      // Gone while listing.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!);
  } catch {
    return false;
  }
}

for (const signal of ["SIGHUP", "SIGTERM", "SIGINT"] as const) {
  Deno.test(`executor: ${signal} stops etcd before the executor exits`, async () => {
    const config = memberConfig("signal-token");
    const agent = await startAgentStandIn(memberTask(config));
    const sandbox = await Deno.makeTempDir({ prefix: "etcd-exec-signal-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", MAIN, `--etcd-bin=${ETCD}`],
      env: agent.env(sandbox),
      cwd: sandbox,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const exited = child.output();
    let etcd: number[] = [];
    try {
      await agent.waitFor(
        "TASK_RUNNING",
        () => agent.updates.some((u) => u.state === "TASK_RUNNING"),
        30_000,
      );
      etcd = childrenOf(child.pid);
      assert.equal(etcd.length, 1, `one etcd child expected, found ${etcd}`);
      child.kill(signal);
      const out = await exited;
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 1, stderr);
      assert.equal(out.signal, null, `the executor died of ${out.signal} without stopping etcd`);
      assert.match(stderr, /stopping etcd and giving up.*received a termination signal/);
      assert.ok(!alive(etcd[0]!), `etcd ${etcd[0]} outlived its executor`);
    } finally {
      for (const pid of etcd.filter(alive)) Deno.kill(pid, "SIGKILL");
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await exited;
      await agent.close();
      await Deno.remove(sandbox, { recursive: true });
    }
  });
}
