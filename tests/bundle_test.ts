/**
 * `deno task bundle` builds, offline, the executor artifact agents fetch: one `.tar.gz` with
 * an executable `etcd-mesos-executor` at its root that runs with no Deno on PATH, no HOME
 * and no node_modules (as on an agent).
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

async function run(cmd: string, args: string[], options: Deno.CommandOptions = {}) {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...options })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("deno task bundle builds a self-contained executor artifact that runs without Deno", async () => {
  const work = await Deno.makeTempDir({ prefix: "etcd-mesos-bundle-" });
  try {
    const built = await run(Deno.execPath(), [
      "task",
      "--quiet",
      "bundle",
      `--out-dir=${work}/dist`,
    ], {
      cwd: ROOT,
      env: { NO_COLOR: "1" },
    });
    assert.equal(built.code, 0, built.text);
    const tarball = `${work}/dist/etcd-mesos-executor.tar.gz`;
    assert.ok(built.text.includes(tarball), built.text);

    const listing = await run("tar", ["-tzf", tarball]);
    const files = listing.text.trim().split("\n").sort();
    const main = ["deno", "etcd-mesos-executor", "etcd-mesos-executor.js"];
    assert.deepEqual(files.filter((f) => main.includes(f)), main, "launcher, runtime, loader");
    assert.ok(files.includes("etcd-mesos-executor.script.js"), "the entry as a script");
    // The rest are the bundle's chunks (code only some executors load, e.g. with TLS).
    assert.ok(files.every((f) => !f.includes("/") && (main.includes(f) || f.endsWith(".js"))));

    // An agent's sandbox: extracted in place, a bare environment, no Deno on PATH.
    const sandbox = `${work}/sandbox`;
    await Deno.mkdir(sandbox);
    assert.equal((await run("tar", ["-xzf", tarball, "-C", sandbox])).code, 0);
    assert.ok(
      ((await Deno.stat(`${sandbox}/etcd-mesos-executor`)).mode ?? 0) & 0o100,
      "executable",
    );
    const help = await run("./etcd-mesos-executor", ["--help"], {
      cwd: sandbox,
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin" },
    });
    assert.equal(help.code, 0, help.text);
    assert.match(help.text, /etcd-mesos-executor: runs one etcd member as a Mesos task/);
    // Without the agent's MESOS_* environment it names what is missing, then exits 2.
    const bare = await run("./etcd-mesos-executor", [], {
      cwd: sandbox,
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin" },
    });
    assert.equal(bare.code, 2, bare.text);
    assert.match(bare.text, /MESOS_/);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("deno task bundle rejects an unknown argument with its usage", async () => {
  const r = await run(Deno.execPath(), ["task", "--quiet", "bundle", "--bogus"], {
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 2);
  assert.match(
    r.text,
    /bundle: unknown argument "--bogus" \(usage: deno task bundle \[--out-dir=DIR\]\)/,
  );
});
