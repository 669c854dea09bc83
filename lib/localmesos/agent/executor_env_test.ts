import assert from "node:assert/strict";
import { transcriptText } from "../../../tests/fixtures/transcripts.ts";
import { executorEnvironment, formatDuration, MESOS_DEFAULT_PATH } from "./executor_env.ts";

const BASE = {
  frameworkId: "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000",
  executorId: "e1",
  agentId: "c5151bcb-5f7a-468c-bf39-1032dc9772f5-S0",
  agentIp: "127.0.0.1",
  agentPort: 15071,
  directory:
    "<work_dir>/slaves/c5151bcb-5f7a-468c-bf39-1032dc9772f5-S0/frameworks/c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000/executors/e1/runs/cb1afe78-068f-4d26-954d-748ba27e3673",
  checkpoint: true,
};

Deno.test("executorEnvironment() matches executor-env.txt value for value", async () => {
  const captured = new Map(
    (await transcriptText("executor-env.txt")).trim().split("\n").map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i), l.slice(i + 1)] as const;
    }),
  );
  // Added by python3 and sh themselves, and by a native libmesos install.
  for (const k of ["LC_CTYPE", "PWD", "MESOS_NATIVE_JAVA_LIBRARY", "MESOS_NATIVE_LIBRARY"]) {
    captured.delete(k);
  }
  const env = executorEnvironment(BASE);
  assert.deepEqual(Object.keys(env).sort(), [...captured.keys()].sort());
  for (const [k, v] of captured) assert.equal(env[k], v, k);
});

Deno.test("executorEnvironment() without checkpointing drops the recovery variables", () => {
  const env = executorEnvironment({ ...BASE, checkpoint: false });
  assert.equal(env.MESOS_CHECKPOINT, "0");
  assert.equal(env.MESOS_RECOVERY_TIMEOUT, undefined);
  assert.equal(env.MESOS_SUBSCRIPTION_BACKOFF_MAX, undefined);
});

Deno.test("executorEnvironment() puts the agent's PATH first and CommandInfo variables last", () => {
  const env = executorEnvironment({
    ...BASE,
    agentPath: "/opt/deno/bin:/usr/bin",
    commandEnvironment: {
      variables: [{ name: "ETCD_X", value: "1" }, { name: "MESOS_SANDBOX", value: "o" }],
    },
  });
  assert.equal(env.PATH, `/opt/deno/bin:/usr/bin:${MESOS_DEFAULT_PATH.replace(":/usr/bin", "")}`);
  assert.equal(env.ETCD_X, "1");
  assert.equal(env.MESOS_SANDBOX, "o");
});

Deno.test("formatDuration() writes Mesos durations", () => {
  assert.equal(formatDuration(5_000), "5secs");
  assert.equal(formatDuration(900_000), "15mins");
  assert.equal(formatDuration(90_000), "1.5mins");
  assert.equal(formatDuration(250), "250ms");
  assert.equal(formatDuration(0), "0ns");
  assert.throws(() => formatDuration(-1), /duration -1 ms/);
});
