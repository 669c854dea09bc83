import assert from "node:assert/strict";
import { parseMesosDuration, readExecutorEnv } from "./executor_env.ts";
import { transcriptText } from "../../tests/fixtures/transcripts.ts";

async function capturedEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await transcriptText("executor-env.txt")).split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

Deno.test("readExecutorEnv() reads the environment a real agent gave its executor", async () => {
  const env = readExecutorEnv(await capturedEnv());
  assert.equal(env.frameworkId, "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000");
  assert.equal(env.executorId, "e1");
  assert.equal(env.agentUrl.href, "http://127.0.0.1:15071/api/v1/executor");
  assert.equal(env.agentId, "c5151bcb-5f7a-468c-bf39-1032dc9772f5-S0");
  assert.equal(env.checkpoint, true);
  assert.equal(env.recoveryTimeoutMs, 15 * 60_000);
  assert.equal(env.subscriptionBackoffMaxMs, 2000);
  assert.equal(env.shutdownGracePeriodMs, 5000);
  assert.equal(env.sandbox, env.directory);
  assert.match(env.directory, /executors\/e1\/runs\//);
  assert.equal(env.authenticationToken, undefined);
});

Deno.test("readExecutorEnv() names every missing required variable in one error", () => {
  assert.throws(() => readExecutorEnv({ MESOS_EXECUTOR_ID: "e1" }), (e: Error) => {
    assert.equal(e.name, "TypeError");
    for (
      const name of [
        "MESOS_FRAMEWORK_ID",
        "MESOS_AGENT_ENDPOINT",
        "MESOS_DIRECTORY",
        "MESOS_CHECKPOINT",
      ]
    ) assert.ok(e.message.includes(name), `${name} in ${e.message}`);
    assert.ok(!e.message.includes("MESOS_EXECUTOR_ID"));
    return true;
  });
});

Deno.test("readExecutorEnv() names bad values, defaults durations and takes the token", async () => {
  const base = await capturedEnv();
  assert.throws(
    () => readExecutorEnv({ ...base, MESOS_CHECKPOINT: "yes", MESOS_RECOVERY_TIMEOUT: "soon" }),
    { message: /MESOS_CHECKPOINT="yes".*MESOS_RECOVERY_TIMEOUT="soon"/ },
  );
  const env = readExecutorEnv({
    ...base,
    MESOS_CHECKPOINT: "0",
    MESOS_RECOVERY_TIMEOUT: "",
    MESOS_SUBSCRIPTION_BACKOFF_MAX: "",
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: "",
    MESOS_SANDBOX: "/mnt/mesos/sandbox",
    MESOS_EXECUTOR_AUTHENTICATION_TOKEN: "jwt",
  });
  assert.equal(env.checkpoint, false);
  assert.equal(env.recoveryTimeoutMs, 900_000);
  assert.equal(env.subscriptionBackoffMaxMs, 2000);
  assert.equal(env.shutdownGracePeriodMs, 5000);
  assert.equal(env.sandbox, "/mnt/mesos/sandbox");
  assert.equal(env.authenticationToken, "jwt");
});

Deno.test("parseMesosDuration() converts every Mesos unit to milliseconds", () => {
  assert.equal(parseMesosDuration("5secs"), 5000);
  assert.equal(parseMesosDuration("15mins"), 900_000);
  assert.equal(parseMesosDuration("1.5mins"), 90_000);
  assert.equal(parseMesosDuration("100ms"), 100);
  assert.equal(parseMesosDuration("2500us"), 2.5);
  assert.equal(parseMesosDuration("3000000ns"), 3);
  assert.equal(parseMesosDuration("2hrs"), 7_200_000);
  assert.equal(parseMesosDuration("1days"), 86_400_000);
  assert.equal(parseMesosDuration("1weeks"), 604_800_000);
});

Deno.test("parseMesosDuration() rejects text without a known unit, naming it", () => {
  for (const bad of ["5", "5s", "-1secs", "mins", "5 seconds"]) {
    assert.throws(() => parseMesosDuration(bad), {
      name: "RangeError",
      message: new RegExp(`"${bad}"`),
    });
  }
});
