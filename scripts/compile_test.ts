import assert from "node:assert/strict";
import {
  compileAll,
  compileArgs,
  CompileError,
  explainCompileFailure,
  parseCompileArgs,
  TARGETS,
} from "./compile.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const PROXY = TARGETS.find((t) => t.key === "proxy")!;

// What deno 2.9.6 printed on this machine without network.
const OFFLINE = `Compile a.ts to a
Download https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip
error: Writing deno compile executable to temporary file 'a.tmp-e84c34afd47f52e4'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
    2: client error (Connect)
    3: dns error
    4: failed to lookup address information: Name or service not known

Stack backtrace:
   0: <unknown>
`;

Deno.test("compileArgs() compiles one entry with every permission into the output directory", () => {
  assert.deepEqual(compileArgs(PROXY, "/src", "/out"), [
    "compile",
    "--allow-all",
    "--quiet",
    "--output",
    "/out/etcd-mesos-proxy",
    "/src/proxy/main.ts",
  ]);
  assert.deepEqual(TARGETS.map((t) => t.name), [
    "etcd-mesos-scheduler",
    "etcd-mesos-executor",
    "etcd-mesos-proxy",
  ]);
});

Deno.test("explainCompileFailure() turns a failed runtime download into one line with both ways out", () => {
  const line = explainCompileFailure(PROXY, OFFLINE, "2.9.6");
  assert.ok(!line.includes("\n"), line);
  assert.match(
    line,
    /^Cannot compile etcd-mesos-proxy: deno compile could not download its runtime/,
  );
  assert.match(line, /failed to lookup address information/);
  assert.match(line, /set DENORT_BIN=\/path\/to\/denort \(the denort of Deno 2\.9\.6/);
  assert.match(line, /use `deno task bundle`/);
  assert.ok(!/Stack backtrace|<unknown>/.test(line));
});

Deno.test("explainCompileFailure() names an unusable DENORT_BIN and passes other errors' cause", () => {
  const missing = explainCompileFailure(
    PROXY,
    "error: Writing deno compile executable\n\nCaused by:\n    0: Could not find denort at '/x'\n    1: No such file or directory (os error 2)\n",
    "2.9.6",
    "/x",
  );
  assert.match(missing, /DENORT_BIN=\/x is not usable \(No such file or directory/);
  const typeError = explainCompileFailure(PROXY, "error: TS2322 bad type\n", "2.9.6");
  assert.equal(typeError, "Cannot compile etcd-mesos-proxy: TS2322 bad type");
});

Deno.test("compileAll() runs deno compile per target and stops at the first failure", async () => {
  const outDir = await Deno.makeTempDir();
  const calls: string[][] = [];
  try {
    const built = await compileAll({
      root: "/src",
      outDir,
      env: { DENORT_BIN: undefined },
      run: (_cmd, args, env) => {
        calls.push(args);
        assert.equal(env.NO_COLOR, "1");
        return Promise.resolve({ code: 0, stderr: "" });
      },
    });
    assert.deepEqual(built, TARGETS.map((t) => `${outDir}/${t.name}`));
    assert.equal(calls.length, 3);
    await assert.rejects(
      () =>
        compileAll({
          root: "/src",
          outDir,
          env: {},
          run: () => Promise.resolve({ code: 1, stderr: OFFLINE }),
        }),
      (e: unknown) => e instanceof CompileError && /etcd-mesos-scheduler/.test(e.message),
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("parseCompileArgs() takes an output directory and a subset of programs", () => {
  const p = parseCompileArgs(["--out-dir=/tmp/x", "proxy", "etcd-mesos-executor"], "/r");
  assert.equal(p.outDir, "/tmp/x");
  assert.deepEqual(p.targets.map((t) => t.key), ["proxy", "executor"]);
  assert.equal(parseCompileArgs([], "/r").outDir, "/r/dist");
  assert.throws(() => parseCompileArgs(["nope"], "/r"), /Unknown argument "nope"/);
});

async function runScript(env: Record<string, string>, outDir: string) {
  const { DENORT_BIN: _d, ...base } = Deno.env.toObject();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/scripts/compile.ts`, `--out-dir=${outDir}`, "proxy"],
    env: { ...base, NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("deno task compile without a reachable runtime fails with one clear line, no stack trace", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    // A proxy nobody listens on stands in for "no network", whatever this machine has.
    const r = await runScript(
      { HTTPS_PROXY: "http://127.0.0.1:1", https_proxy: "http://127.0.0.1:1" },
      outDir,
    );
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^compile: Cannot compile etcd-mesos-proxy: deno compile could not download/,
    );
    assert.match(lines[0]!, /DENORT_BIN/);
    assert.match(lines[0]!, /deno task bundle/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("deno task compile with a DENORT_BIN that does not exist says so in one line", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const r = await runScript({ DENORT_BIN: "/nonexistent/denort" }, outDir);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^compile: Cannot compile: DENORT_BIN=\/nonexistent\/denort is not a file/,
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
