/**
 * A small custom executor for the agent tests, speaking the v1 executor API (JSON).
 *
 * It writes `env.json` (its environment) and `cwd.txt` into its sandbox, appends every
 * event record to `events.jsonl`, answers LAUNCH with TASK_STARTING + TASK_RUNNING, KILL
 * with TASK_KILLED (then exits 0 once it is ACKNOWLEDGED), MESSAGE with an executor MESSAGE `echo:<data>`,
 * SHUTDOWN with exit 0, and exits 0 when its stream ends.
 *
 * `TEST_EXECUTOR_MODE`: `child` also starts `sleep 1000` (pid in `child.pid`);
 * `ignore_shutdown` ignores SHUTDOWN and SIGTERM; `exit_after_running` exits 3 after the
 * first TASK_RUNNING.
 *
 * @module
 */
import { readRecords } from "../../../mesos/recordio.ts";

const env = Deno.env.toObject();
const endpoint = `http://${env.MESOS_AGENT_ENDPOINT}/api/v1/executor`;
const ids = {
  executor_id: { value: env.MESOS_EXECUTOR_ID },
  framework_id: { value: env.MESOS_FRAMEWORK_ID },
};
const mode = env.TEST_EXECUTOR_MODE ?? "";

await Deno.writeTextFile("env.json", JSON.stringify(env));
await Deno.writeTextFile("cwd.txt", Deno.cwd());
if (mode === "child") {
  const child = new Deno.Command("sleep", { args: ["1000"], stdout: "null", stderr: "null" })
    .spawn();
  await Deno.writeTextFile("child.pid", String(child.pid));
}
if (mode === "ignore_shutdown") Deno.addSignalListener("SIGTERM", () => {});

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

async function call(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ ...ids, ...body }),
  });
  await res.body?.cancel();
  return res.status;
}

let exitOnAck: string | undefined;

async function update(taskId: string, state: string, message?: string): Promise<string> {
  const uuid = crypto.getRandomValues(new Uint8Array(16));
  uuid[6] = (uuid[6]! & 0x0f) | 0x40;
  uuid[8] = (uuid[8]! & 0x3f) | 0x80;
  await call({
    type: "UPDATE",
    update: {
      status: {
        task_id: { value: taskId },
        state,
        source: "SOURCE_EXECUTOR",
        uuid: b64(uuid),
        timestamp: Date.now() / 1000,
        ...(message ? { message } : {}),
      },
    },
  });
  return b64(uuid);
}

const res = await fetch(endpoint, {
  method: "POST",
  headers: { "Content-Type": "application/json", Accept: "application/json" },
  body: JSON.stringify({ type: "SUBSCRIBE", ...ids, subscribe: {} }),
});
const events = await Deno.open("events.jsonl", { append: true, create: true });
for await (const record of readRecords(res.body!)) {
  await events.write(record);
  await events.write(new TextEncoder().encode("\n"));
  const event = JSON.parse(new TextDecoder().decode(record));
  if (event.type === "LAUNCH") {
    const taskId = event.launch.task.task_id.value;
    await update(taskId, "TASK_STARTING");
    await update(taskId, "TASK_RUNNING");
    if (mode === "exit_after_running") Deno.exit(3);
  } else if (event.type === "KILL") {
    // Exit once the agent has ACKNOWLEDGED the TASK_KILLED (or after 2 s).
    exitOnAck = await update(event.kill.task_id.value, "TASK_KILLED", "killed by test_executor");
    setTimeout(() => Deno.exit(0), 2_000);
  } else if (event.type === "ACKNOWLEDGED" && event.acknowledged.uuid === exitOnAck) {
    Deno.exit(0);
  } else if (event.type === "MESSAGE") {
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(event.message.data), (c) => c.charCodeAt(0)),
    );
    await call({ type: "MESSAGE", message: { data: btoa(`echo:${text}`) } });
  } else if (event.type === "SHUTDOWN" && mode !== "ignore_shutdown") {
    Deno.exit(0);
  }
}
Deno.exit(0);
