/**
 * The real executor process when etcd cannot be run at all: a missing binary, and a file
 * that is not executable. The task must fail at once (no launch-timeout wait) with a
 * message naming the path, and the executor must finish.
 */
import assert from "node:assert/strict";
import type { TaskInfo } from "../lib/mesos/types.ts";
import { encodeMemberConfig } from "../contract/member_config.ts";
import { startAgentStandIn } from "./testing/agent_stand_in.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

function task(): TaskInfo {
  return {
    name: "etcd-server",
    task_id: { value: "etcd-1 127.0.0.1 31000 31001" },
    agent_id: { value: "fw-S0" },
    data: encodeMemberConfig({
      name: "etcd-1",
      host: "127.0.0.1",
      peerPort: 31000,
      clientPort: 31001,
      initialCluster: "etcd-1=http://127.0.0.1:31000",
      clusterState: "new",
      clusterToken: "tok",
      learner: false,
    }),
  };
}

/** Runs the executor with `--etcd-bin=<etcdBin>` (relative paths resolve in the sandbox). */
async function failsWith(etcdBin: (sandbox: string) => Promise<string>, expected: RegExp) {
  const sandbox = await Deno.makeTempDir({ prefix: "etcd-exec-missing-" });
  const agent = await startAgentStandIn(task());
  const started = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, `--etcd-bin=${await etcdBin(sandbox)}`],
    env: agent.env(sandbox),
    cwd: sandbox,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const exited = child.output();
  try {
    const failed = await agent.waitFor(
      "TASK_FAILED",
      () => agent.updates.find((u) => u.state === "TASK_FAILED"),
    );
    assert.match(failed.message ?? "", expected);
    assert.deepEqual(agent.updates.map((u) => u.state), ["TASK_STARTING", "TASK_FAILED"]);
    assert.equal((await exited).code, 0);
    assert.ok(Date.now() - started < 15_000, "the task waited for the launch timeout");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await exited;
    await agent.close();
    await Deno.remove(sandbox, { recursive: true });
  }
}

Deno.test("executor: a missing etcd binary fails the task at once, naming the path", async () => {
  await failsWith(
    () => Promise.resolve("/nonexistent/etcd-v3.4/etcd"),
    /Cannot start etcd: Failed to spawn .\/nonexistent\/etcd-v3\.4\/etcd.: No such file/,
  );
});

Deno.test("executor: an etcd that is not executable fails the task at once, naming the path", async () => {
  await failsWith(async (sandbox) => {
    const path = `${sandbox}/etcd`;
    await Deno.writeTextFile(path, "not a program");
    await Deno.chmod(path, 0o644);
    return path;
  }, /Cannot start etcd: Failed to spawn .*etcd-exec-missing-\w+\/etcd.: Permission denied/);
});
