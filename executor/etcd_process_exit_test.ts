/**
 * killEtcdsOnExit(): a process that dies by an uncaught error, an unhandled rejection, a
 * failing top-level await or Deno.exit takes the etcd it spawned along. Each case runs in
 * a child Deno process with `sleep` standing in for etcd. (Deno itself kills the children
 * it still holds when it dies of an uncaught error, but not on Deno.exit; the guard does
 * not rely on the former.)
 */
import assert from "node:assert/strict";

const MODULE = new URL("./etcd_process.ts", import.meta.url).href;

/** True while `pid` runs (a zombie waiting for its reaper does not count). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!);
  } catch {
    return false;
  }
}

/** Runs a script that spawns `sleep 300` as its etcd, prints its pid, then does `end`. */
async function run(end: string, guard = true) {
  const script = `
    import { killEtcdsOnExit, spawnEtcd } from ${JSON.stringify(MODULE)};
    ${
    guard ? `killEtcdsOnExit((pids, event) => console.error("killed", event, pids.join(",")));` : ""
  }
    const etcd = spawnEtcd("sleep", ["300"]);
    console.log(etcd.pid);
    await new Promise((r) => setTimeout(r, 50));
    ${end}
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const pid = Number(new TextDecoder().decode(out.stdout).trim());
  assert.ok(pid > 1, `no etcd pid printed: ${new TextDecoder().decode(out.stderr)}`);
  return { pid, code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

const cases: [string, string, string][] = [
  ["an uncaught error", `setTimeout(() => { throw new Error("boom"); }, 0);`, "error"],
  ["an unhandled rejection", `Promise.reject(new Error("nope"));`, "unhandledrejection"],
  ["a failing top-level await", `throw new Error("tla");`, "unhandledrejection"],
  ["Deno.exit", `Deno.exit(4);`, "unload"],
];

for (const [what, end, event] of cases) {
  Deno.test(`killEtcdsOnExit(): etcd dies with its process on ${what}`, async () => {
    const r = await run(end);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`killed ${event} ${r.pid}\\b`));
    assert.ok(!alive(r.pid), `etcd ${r.pid} outlived its process (${what})`);
  });
}

Deno.test("without killEtcdsOnExit() an etcd outlives Deno.exit (why the guard exists)", async () => {
  const r = await run(`Deno.exit(4);`, false);
  try {
    assert.ok(alive(r.pid), "the orphan was expected to run on");
  } finally {
    Deno.kill(r.pid, "SIGKILL");
  }
});

Deno.test("killEtcdsOnExit() returns a function that removes its listeners", async () => {
  const r = await run(
    `const off = killEtcdsOnExit(() => console.error("ran")); off(); Deno.exit(4);`,
    false,
  );
  try {
    assert.doesNotMatch(r.stderr, /ran/);
    assert.ok(alive(r.pid), "a removed listener killed etcd");
  } finally {
    Deno.kill(r.pid, "SIGKILL");
  }
});

Deno.test("killRunningEtcds() kills only etcds still running and names them", async () => {
  const r = await run(
    `
    const { killRunningEtcds } = await import(${JSON.stringify(MODULE)});
    const done = spawnEtcd("true", []);
    await done.exited;
    console.error("first", killRunningEtcds().join(","));
    await etcd.exited;
    console.error("second [" + killRunningEtcds().join(",") + "]");
  `,
    false,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`first ${r.pid}\n`));
  assert.match(r.stderr, /second \[\]/);
  assert.ok(!alive(r.pid));
});
