/**
 * A tiny sample executor for the end-to-end test of the local Mesos: each task runs
 * `sleep <seconds>` (seconds = TaskInfo.data as text). It reports TASK_RUNNING once the
 * process started, TASK_FINISHED/TASK_FAILED when it exits, and TASK_KILLED after KILL or
 * SHUTDOWN. It exits once every task is terminal and its updates acknowledged.
 *
 * @module
 */
import { createExecutorClient } from "../../lib/mesos/executor_client.ts";
import { createLogger } from "../../lib/log.ts";
import type { TaskID, TaskState } from "../../lib/mesos/types.ts";

const logger = createLogger({ level: "info", fields: { component: "sleep-executor" } });
const client = createExecutorClient({ logger, encoding: "json" });
const tasks = new Map<string, { child: Deno.ChildProcess; killed: boolean }>();
let launched = 0;

function report(taskId: TaskID, state: TaskState, message?: string) {
  client.update({ task_id: taskId, state, message }).catch((e) =>
    logger.error("update failed", { error: (e as Error).message })
  );
}

async function stopTask(id: string) {
  const task = tasks.get(id);
  if (!task) return;
  task.killed = true;
  try {
    task.child.kill("SIGTERM");
  } catch { /* already gone */ }
  await task.child.status;
}

async function finishWhenIdle() {
  if (launched === 0 || tasks.size > 0) return;
  while (client.unacknowledgedUpdates.length > 0) await new Promise((r) => setTimeout(r, 50));
  await client.close();
}

for await (const notice of client) {
  if (notice.type === "disconnected" && !notice.willRetry) break;
  if (notice.type !== "event") continue;
  const event = notice.event;
  if (event.type === "LAUNCH" && event.launch) {
    const task = event.launch.task;
    const seconds = new TextDecoder().decode(task.data ?? new Uint8Array()) || "3600";
    const child = new Deno.Command("sleep", { args: [seconds], stdout: "null", stderr: "null" })
      .spawn();
    const entry = { child, killed: false };
    tasks.set(task.task_id.value, entry);
    launched++;
    report(task.task_id, "TASK_RUNNING", `sleep ${seconds} (pid ${child.pid})`);
    child.status.then((status) => {
      tasks.delete(task.task_id.value);
      if (entry.killed) report(task.task_id, "TASK_KILLED", "Killed by the scheduler");
      else if (status.success) report(task.task_id, "TASK_FINISHED", "sleep finished");
      else report(task.task_id, "TASK_FAILED", `sleep exited with ${status.code}`);
      finishWhenIdle();
    });
  } else if (event.type === "KILL" && event.kill) {
    await stopTask(event.kill.task_id.value);
  } else if (event.type === "SHUTDOWN") {
    await Promise.all([...tasks.keys()].map(stopTask));
  }
}
for (const id of tasks.keys()) await stopTask(id);
