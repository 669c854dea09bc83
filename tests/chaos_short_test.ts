/**
 * End to end: a short chaos run (`deno task chaos --duration 45s` with a subset of faults)
 * on its own ZooKeeper, two local masters, agents and scheduler. It must pass every check
 * (writes, HashKV agreement, membership bounds, framework id) and print its seed.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const SEED = 20261121;

Deno.test("a short seeded chaos run passes every check and prints its seed", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}scripts/chaos.ts`,
      "--duration=45s",
      `--seed=${SEED}`,
      "--faults=kill-etcd,kill-executor,kill-scheduler,restart-zk,kill-master",
      "--log-level=warn",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  const context = `stdout:\n${stdout}\nstderr tail:\n${stderr.slice(-4000)}`;
  assert.equal(out.code, 0, context);
  assert.match(stdout, new RegExp(`chaos: seed ${SEED}`), context);
  assert.match(stdout, /\nPASS\n/, context);
  assert.match(stdout, /writes: [1-9][0-9]* acknowledged, [1-9][0-9]* present, 0 lost/, context);
  assert.match(stdout, /faults \([1-9]\):/, context);
});
