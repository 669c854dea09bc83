import assert from "node:assert/strict";
import {
  type ExecutorConfig,
  parseDuration,
  parseExecutorConfig,
  resolveEtcdBin,
} from "./config.ts";

function parse(args: string[], env: Record<string, string> = {}): ExecutorConfig {
  const c = parseExecutorConfig(args, env);
  assert.notEqual(c, "help");
  return c as ExecutorConfig;
}

Deno.test("parseDuration() reads seconds, Go and Mesos durations", () => {
  assert.equal(parseDuration("240", "x"), 240_000);
  assert.equal(parseDuration("1.5", "x"), 1_500);
  assert.equal(parseDuration("1m30s", "x"), 90_000);
  assert.equal(parseDuration("500ms", "x"), 500);
  assert.equal(parseDuration("5secs", "x"), 5_000);
  assert.equal(parseDuration("1.5mins", "x"), 90_000);
  assert.equal(parseDuration("15mins", "x"), 900_000);
  assert.throws(() => parseDuration("soon", "--launch-timeout"), {
    name: "RangeError",
    message: /--launch-timeout "soon"/,
  });
  assert.throws(() => parseDuration("-1", "x"), RangeError);
});

Deno.test("parseExecutorConfig() has the documented defaults", () => {
  assert.deepEqual(parse([], { MESOS_SANDBOX: "/sb" }), {
    launchTimeoutMs: 240_000,
    killGraceMs: 3_000,
    etcdBin: undefined,
    etcdArgs: [],
    encoding: "json",
    verbosity: 0,
    logJson: false,
  });
});

Deno.test("parseExecutorConfig() takes Go-style and GNU-style flags over the environment", () => {
  const env = { LAUNCH_TIMEOUT: "10", ETCD_BIN: "/env/etcd" };
  const c = parse([
    "-launch-timeout=2s",
    "--etcd-bin",
    "/flag/etcd",
    "--etcd-arg=--log-level=debug",
    "--etcd-arg=--snapshot-count=100",
    "-v=1",
    "--encoding=protobuf",
  ], env);
  assert.equal(c.launchTimeoutMs, 2_000);
  assert.equal(c.etcdBin, "/flag/etcd");
  assert.deepEqual(c.etcdArgs, ["--log-level=debug", "--snapshot-count=100"]);
  assert.equal(c.verbosity, 1);
  assert.equal(c.encoding, "protobuf");
  const fromEnv = parse([], env);
  assert.equal(fromEnv.launchTimeoutMs, 10_000);
  assert.equal(fromEnv.etcdBin, "/env/etcd");
});

Deno.test("parseExecutorConfig() names the bad flag or variable", () => {
  assert.throws(() => parseExecutorConfig(["--launch-timeout=x"], {}), /--launch-timeout "x"/);
  assert.throws(() => parseExecutorConfig([], { LAUNCH_TIMEOUT: "y" }), /LAUNCH_TIMEOUT "y"/);
  assert.throws(() => parseExecutorConfig(["--encoding=xml"], {}), /--encoding "xml"/);
  assert.throws(() => parseExecutorConfig(["--bogus"], {}), /bogus/);
  assert.throws(() => parseExecutorConfig(["-v=loud"], {}), /-v "loud"/);
  assert.equal(parseExecutorConfig(["--help"], {}), "help");
});

Deno.test("resolveEtcdBin() prefers the explicit path, then the search dirs, then PATH", () => {
  const exists = (p: string) => p === "/exe/etcd";
  assert.equal(resolveEtcdBin("/x/etcd", ["/sb", "/exe"], exists), "/x/etcd");
  assert.equal(resolveEtcdBin(undefined, ["/sb/", "/exe/"], exists), "/exe/etcd");
  assert.equal(resolveEtcdBin(undefined, ["/sb"], exists), "etcd");
});
