/**
 * What ships besides the code: `marathon.json` and the `Dockerfile` must agree with the
 * scheduler's real flags and environment variables, and the scheduler must accept the
 * executor as either shipped form (a compiled binary or the bundled `.tar.gz`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseConfig } from "../scheduler/config.ts";
import { SPECS } from "../scheduler/config_specs.ts";
import { executorCommand } from "../contract/executor_command.ts";
import { artifactPlan } from "../scheduler/artifact_plan.ts";
import { TARGETS } from "../scripts/compile.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const KNOWN_ENV = new Set(SPECS.flatMap((s) => s.env ?? []));

interface Marathon {
  id: string;
  env: Record<string, string>;
  ports: number[];
  cpus: number;
  mem: number;
  instances: number;
  container: { type: string; docker: { image: string; network: string } };
  healthChecks: {
    protocol: string;
    path: string;
    portIndex: number;
    maxConsecutiveFailures: number;
  }[];
}

async function marathon(): Promise<Marathon> {
  return JSON.parse(await Deno.readTextFile(`${ROOT}marathon.json`));
}

/** The Dockerfile's ENV assignments and the scheduler flags its ENTRYPOINT passes. */
async function dockerfile(): Promise<
  { env: Record<string, string>; flags: string[]; text: string }
> {
  const text = await Deno.readTextFile(`${ROOT}Dockerfile`);
  const joined = text.replace(/\\\n/g, " ");
  const env: Record<string, string> = {};
  for (const line of joined.split("\n").filter((l) => l.startsWith("ENV "))) {
    for (const [, k, v] of line.matchAll(/([A-Z0-9_]+)=(\S+)/g)) env[k!] = v!;
  }
  const entry = joined.split("\n").find((l) => l.startsWith("ENTRYPOINT "));
  assert.ok(entry, "an ENTRYPOINT");
  const argv: string[] = JSON.parse(entry.slice("ENTRYPOINT ".length));
  const command = argv.find((a) => a.includes("etcd-mesos-scheduler --")) ?? argv.join(" ");
  const flags = command.split(/\s+/).filter((w) => w.startsWith("--") && !w.includes("$"));
  return { env, flags, text };
}

/** What Marathon adds to a task's environment for three ports on host networking. */
const MARATHON_PORTS = { PORT0: "31010", PORT1: "31011", PORT2: "31012", HOST: "agent-7" };

Deno.test("marathon.json has the seeds' shape: env, three ports, an HTTP /healthz check on port 0", async () => {
  const m = await marathon();
  for (
    const k of [
      "FRAMEWORK_NAME",
      "MESOS_MASTER",
      "ZK_PERSIST",
      "CLUSTER_SIZE",
      "AUTO_RESEED",
      "RESEED_TIMEOUT",
      "CPU_LIMIT",
      "MEM_LIMIT",
      "DISK_LIMIT",
    ]
  ) {
    assert.ok(m.env[k] !== undefined, `env ${k}`);
  }
  for (const k of Object.keys(m.env)) {
    assert.ok(KNOWN_ENV.has(k), `env ${k} is read by the scheduler`);
  }
  assert.equal(m.ports.length, 3);
  assert.equal(m.instances, 1);
  assert.equal(m.container.docker.network, "HOST", "agents reach the artifact server on the host");
  const [check] = m.healthChecks;
  assert.deepEqual(
    check && [check.protocol, check.path, check.portIndex],
    ["HTTP", "/healthz", 0],
  );
  assert.equal(
    check?.maxConsecutiveFailures,
    0,
    "an unhealthy etcd must not get the scheduler killed",
  );
});

Deno.test("marathon.json's environment (with the Dockerfile's flags and Marathon's ports) feeds parseConfig", async () => {
  const m = await marathon();
  const d = await dockerfile();
  const c = parseConfig(d.flags, { ...d.env, ...m.env, ...MARATHON_PORTS });
  assert.equal(c.frameworkName, m.env.FRAMEWORK_NAME);
  assert.equal(c.master, m.env.MESOS_MASTER);
  assert.equal(c.zkFrameworkPersist, m.env.ZK_PERSIST);
  assert.equal(c.clusterSize, Number(m.env.CLUSTER_SIZE));
  assert.equal(c.autoReseed, true);
  assert.equal(c.reseedTimeoutMs, Number(m.env.RESEED_TIMEOUT) * 1000);
  assert.equal(c.cpuLimit, Number(m.env.CPU_LIMIT));
  assert.equal(c.memLimitMb, Number(m.env.MEM_LIMIT));
  assert.equal(c.diskLimitMb, Number(m.env.DISK_LIMIT));
  assert.equal(c.verbosity, Number(m.env.VERBOSITY ?? 0));
  assert.equal(c.adminPort, 31010, "PORT0 is the admin API (the health check's portIndex 0)");
  assert.equal(c.adminAddress, "0.0.0.0", "reachable by Marathon's health check");
  assert.equal(c.artifactPort, 31012, "PORT2 is the artifact server");
  assert.equal(c.ephemeral, false);
});

Deno.test("the Dockerfile's ENV and ENTRYPOINT use only real variables and flags, and ship what the builds make", async () => {
  const d = await dockerfile();
  for (const k of Object.keys(d.env)) {
    assert.ok(KNOWN_ENV.has(k), `ENV ${k} is read by the scheduler`);
  }
  const c = parseConfig(d.flags, { ...d.env, ZK_PERSIST: "zk://zk:2181/etcd-mesos" });
  assert.equal(c.executorBin, "/opt/etcd-mesos/etcd-mesos-executor.tar.gz");
  assert.equal(c.executorUri, undefined, "served to agents, not a path on the scheduler's disk");
  assert.equal(c.etcdBin, "/usr/bin/etcd");
  assert.match(d.text, /\$\{HOST:\+--address=\$HOST\}/, "the agent's host name is advertised");
  const names = TARGETS.map((t) => t.name);
  assert.match(d.text, new RegExp(`COPY dist/${names[0]} dist/${names[2]} /usr/local/bin/`));
  assert.match(d.text, /COPY dist\/etcd-mesos-executor\.tar\.gz \/opt\/etcd-mesos\//);
  assert.ok(d.text.includes("deno task compile") && d.text.includes("deno task bundle"));
});

Deno.test("--executor-uri takes the compiled executor or the bundled .tar.gz", () => {
  const etcd = "http://artifacts:12300/etcd";
  const env = { ZK_PERSIST: "zk://zk:2181/etcd-mesos" };
  const forms: [string, boolean][] = [
    ["http://artifacts:8080/etcd-mesos-executor", false],
    ["http://artifacts:8080/etcd-mesos-executor.tar.gz", true],
  ];
  for (const [uri, archive] of forms) {
    const c = parseConfig([`--executor-uri=${uri}`, `--etcd-uri=${etcd}`], env);
    const plan = artifactPlan(c);
    assert.deepEqual(plan.files, [], "nothing to serve");
    const command = executorCommand(plan.uris(() => "unused"));
    const fetched = command.uris?.[0];
    assert.equal(fetched?.value, uri);
    assert.equal(fetched?.extract, archive, uri);
    assert.equal(fetched?.executable, !archive, uri);
    assert.equal(command.value, "exec ./etcd-mesos-executor");
  }
  // The same two forms served by the scheduler itself from --executor-bin.
  for (const bin of ["dist/etcd-mesos-executor", "dist/etcd-mesos-executor.tar.gz"]) {
    const c = parseConfig([`--executor-bin=${bin}`, `--etcd-uri=${etcd}`], env);
    const plan = artifactPlan(c);
    assert.deepEqual(plan.files.map((f) => f.path), [bin]);
    const uris = plan.uris((name) => `http://sched:12300/${name}`);
    assert.equal(executorCommand(uris).value, "exec ./etcd-mesos-executor");
  }
});
