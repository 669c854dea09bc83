import assert from "node:assert/strict";
import { ConfigError } from "../lib/flags.ts";
import { LOCAL_CLUSTER_USAGE, LOCAL_SCHEDULER_DEFAULTS, parseLocalClusterArgs } from "./config.ts";

Deno.test("parseLocalClusterArgs() defaults: 3 agents, port 5050, an ephemeral 3-member cluster", () => {
  const c = parseLocalClusterArgs([]);
  assert.equal(c.agents, 3);
  assert.equal(c.mesosPort, 5050);
  assert.equal(c.workDir, undefined);
  assert.equal(c.scheduler.clusterSize, 3);
  assert.equal(c.scheduler.ephemeral, true);
  assert.equal(c.scheduler.address, "127.0.0.1");
  assert.equal(c.scheduler.healthIntervalMs, 1000);
  assert.equal(c.schedulerArgs[0], "--ephemeral");
  assert.equal(c.executorGiven, false);
  assert.equal(c.etcdGiven, false);
});

Deno.test("parseLocalClusterArgs() takes its own flags in both styles", () => {
  const c = parseLocalClusterArgs([
    "--agents",
    "5",
    "-mesos-port=0",
    "--work-dir=/tmp/w",
    "--agent-resources",
    "cpus:2;mem:1024;ports:[40000-40009]",
  ]);
  assert.equal(c.agents, 5);
  assert.equal(c.mesosPort, 0);
  assert.equal(c.workDir, "/tmp/w");
  assert.equal(c.agentResources, "cpus:2;mem:1024;ports:[40000-40009]");
  assert.ok(!c.schedulerArgs.some((a) => a.includes("agents") || a.includes("/tmp/w")));
});

Deno.test("parseLocalClusterArgs() passes other flags to the scheduler; the user's win over defaults", () => {
  const c = parseLocalClusterArgs(
    ["--agents=5", "--cluster-size=5", "--admin-port", "23401", "-reseed-timeout=60s", "--v=1"],
  );
  assert.equal(c.scheduler.clusterSize, 5);
  assert.equal(c.scheduler.adminPort, 23401);
  assert.equal(c.scheduler.reseedTimeoutMs, 60_000);
  assert.equal(c.scheduler.verbosity, 1);
  assert.ok(c.schedulerArgs.includes("--admin-port"));
  assert.ok(c.schedulerArgs.includes("23401"));
  assert.equal(c.schedulerArgs.filter((a) => a.includes("cluster-size")).length, 1);
  assert.ok(c.schedulerArgs.includes("--cluster-size=5"));
});

Deno.test("parseLocalClusterArgs() keeps a boolean scheduler flag's separate value", () => {
  const c = parseLocalClusterArgs(["--auto-reseed", "false", "--agents", "3"]);
  assert.equal(c.scheduler.autoReseed, false);
  assert.equal(c.agents, 3);
});

Deno.test("parseLocalClusterArgs() notes a user-chosen executor and etcd (no build, no lookup)", () => {
  const c = parseLocalClusterArgs([
    "--executor-uri=/x/etcd-mesos-executor.tar.gz",
    "--etcd-bin=/opt/etcd",
  ]);
  assert.equal(c.executorGiven, true);
  assert.equal(c.etcdGiven, true);
});

Deno.test("parseLocalClusterArgs() errors name the bad flag and value", () => {
  const cases: [string[], RegExp][] = [
    [["--agents", "0"], /--agents "0": expected an integer 1\.\.64/],
    [["--mesos-port=70000"], /--mesos-port "70000"/],
    [["--agents"], /Missing value for --agents/],
    [["--cluster-size=4"], /--cluster-size "4": expected an odd integer/],
    [["--health-interval=soon"], /--health-interval "soon"/],
    [["--no-such-flag=1"], /Unknown flag --no-such-flag/],
    [["stray"], /Unexpected argument "stray"/],
    [["--agent-resources", "lots"], /--agent-resources "lots"/],
  ];
  for (const [args, re] of cases) {
    assert.throws(() => parseLocalClusterArgs(args), re, args.join(" "));
  }
});

Deno.test("parseLocalClusterArgs() refuses the flags the launcher owns", () => {
  for (
    const flag of ["--master=127.0.0.1:5050", "--zk-framework-persist=zk://h:1/x", "--ephemeral"]
  ) {
    assert.throws(
      () => parseLocalClusterArgs([flag]),
      (e) => e instanceof ConfigError && e.flag === flag.replace(/=.*/, ""),
      flag,
    );
  }
});

Deno.test("parseLocalClusterArgs() refuses a cluster larger than the agents unless placement allows", () => {
  assert.throws(
    () => parseLocalClusterArgs(["--cluster-size=5"]),
    /--cluster-size=5 on --agents 3.*pass --agents 5/,
  );
  const c = parseLocalClusterArgs(["--cluster-size=5", "--single-instance-per-slave=false"]);
  assert.equal(c.scheduler.clusterSize, 5);
});

Deno.test("parseLocalClusterArgs() --help wins over other checks; usage lists the defaults", () => {
  assert.equal(parseLocalClusterArgs(["--help"]).help, true);
  assert.equal(parseLocalClusterArgs(["-h", "--cluster-size=5"]).help, true);
  for (const [k, v] of Object.entries(LOCAL_SCHEDULER_DEFAULTS)) {
    assert.ok(LOCAL_CLUSTER_USAGE.includes(`--${k}=${v}`), k);
  }
});
