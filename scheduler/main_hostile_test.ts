/**
 * `runScheduler()` against bad input from its surroundings: garbage in the ZooKeeper
 * framework-id node, and a local master with HTTP authentication on (right secret, wrong
 * secret, no credentials). Secrets must never reach a log line.
 */
import assert from "node:assert/strict";
import { type MemoryLogger, memoryLogger, silentLogger } from "../lib/log.ts";
import { createLocalMaster, type LocalMaster } from "../lib/localmesos/master/master.ts";
import { ZkClient } from "../lib/zk/client.ts";
import { startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import { freePort } from "../lib/free_ports.ts";
import { runScheduler } from "./main.ts";
import { until } from "../lib/until.ts";

const PRINCIPAL = "etcd-mesos-fw";
const SECRET = "s3cr3t-Kq9!zW-never-logged";

interface FrameworkState {
  id: string;
  active: boolean;
  principal?: string;
}

async function frameworks(master: LocalMaster): Promise<FrameworkState[]> {
  const res = await fetch(`${master.url}/master/state`);
  return (await res.json()).frameworks;
}

/** Resolves with `p`, or rejects after `ms` naming `what`. */
async function within<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function schedulerArgs(master: LocalMaster, extra: string[]): string[] {
  return [
    `--master=${master.url}`,
    `--admin-port=${freePort()}`,
    "--address=127.0.0.1",
    "--executor-uri=/x/etcd-mesos-executor.tar.gz",
    "--etcd-uri=/usr/bin/etcd",
    "--cluster-size=1",
    ...extra,
  ];
}

/** Every captured line, from the scheduler's logger and its stderr writer. */
function noSecretIn(logs: MemoryLogger[], writes: string[]): void {
  const basic = btoa(`${PRINCIPAL}:${SECRET}`);
  const lines = [...logs.flatMap((l) => l.lines), ...writes];
  assert.ok(lines.length > 0, "nothing was logged");
  const leaked = lines.filter((l) => l.includes(SECRET) || l.includes(basic));
  assert.deepEqual(leaked, [], "the secret appears in a log line");
}

Deno.test("runScheduler() exits 1 naming the ZooKeeper node that holds garbage, and destroys nothing", async () => {
  const zk = await startZooKeeper();
  const master = await createLocalMaster({ port: 0, logger: silentLogger });
  const raw = await ZkClient.connect(zk.url);
  const garbage = "not-a-framework-id \u0000\u00ff".repeat(3);
  try {
    await raw.mkdirp("/etcd-mesos");
    await raw.create("/etcd-mesos/etcd_framework_id", garbage);
    const logger = memoryLogger({ level: "info" });
    const code = await within(
      "runScheduler()",
      runScheduler(
        schedulerArgs(master, [`--zk-framework-persist=zk://${zk.url}/etcd-mesos`]),
        {},
        { logger, writeErr: () => {} },
      ),
      30_000,
    );
    assert.equal(code, 1);
    const error = logger.records.find((r) => r.level === "error");
    assert.equal(error?.msg, "cannot read the framework id");
    assert.match(String(error?.fields.error), /ZooKeeper node \/etcd-mesos\/etcd_framework_id/);
    assert.match(String(error?.fields.error), /not a Mesos framework id; fix or delete the node/);
    const { data } = await raw.getData("/etcd-mesos/etcd_framework_id");
    assert.equal(new TextDecoder().decode(data), garbage, "the node was changed");
    assert.deepEqual(await frameworks(master), [], "a framework was registered anyway");
  } finally {
    await raw.close();
    await master.stop();
    await zk.stop();
  }
});

async function authMaster(logger = memoryLogger()): Promise<LocalMaster> {
  return await createLocalMaster({
    port: 0,
    logger,
    options: { authentication: { credentials: [{ principal: PRINCIPAL, secret: SECRET }] } },
  });
}

async function secretFile(secret: string): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "etcd-mesos-secret-" });
  await Deno.writeTextFile(path, secret + "\n");
  return path;
}

Deno.test("runScheduler() subscribes to a master with authentication on, and logs no secret", async () => {
  const masterLog = memoryLogger();
  const master = await authMaster(masterLog);
  const file = await secretFile(SECRET);
  try {
    const logger = memoryLogger();
    const writes: string[] = [];
    const stop = new AbortController();
    const run = runScheduler(
      schedulerArgs(master, [
        "--ephemeral",
        `--mesos-authentication-principal=${PRINCIPAL}`,
        `--mesos-authentication-secret-file=${file}`,
      ]),
      {},
      { logger, writeErr: (l) => writes.push(l), signal: stop.signal },
    );
    const [fw] = await until(async () => {
      const f = await frameworks(master);
      return f.length === 1 && f[0]!.active ? f : undefined;
    }, { timeoutMs: 20_000, what: "the framework", intervalMs: 100 });
    assert.equal(fw!.principal, PRINCIPAL);
    assert.ok(logger.records.some((r) => r.msg === "subscribed"));
    stop.abort();
    assert.equal(await within("stopping", run, 20_000), 0);
    noSecretIn([logger, masterLog], writes);
  } finally {
    await master.stop();
    await Deno.remove(file);
  }
});

Deno.test("runScheduler() exits 1 on a wrong secret, naming the principal and not the secret", async () => {
  const masterLog = memoryLogger();
  const master = await authMaster(masterLog);
  const file = await secretFile("wrong-" + SECRET);
  try {
    const logger = memoryLogger();
    const writes: string[] = [];
    const code = await within(
      "runScheduler() with a wrong secret",
      runScheduler(
        schedulerArgs(master, [
          "--ephemeral",
          `--mesos-authentication-principal=${PRINCIPAL}`,
          `--mesos-authentication-secret-file=${file}`,
        ]),
        {},
        { logger, writeErr: (l) => writes.push(l) },
      ),
      20_000,
    );
    assert.equal(code, 1);
    const error = logger.records.find((r) => r.msg.startsWith("Mesos refused to authenticate"));
    assert.ok(error, logger.lines.join("\n"));
    assert.equal(error.fields.principal, PRINCIPAL);
    assert.match(error.msg, /--mesos-authentication-secret-file/);
    assert.ok(logger.lines.some((l) => l.includes(`refused the credentials of principal`)));
    assert.deepEqual(await frameworks(master), []);
    noSecretIn([logger, masterLog], writes);
    assert.ok(!logger.lines.some((l) => l.includes("wrong-s3cr3t")), "the wrong secret was logged");
  } finally {
    await master.stop();
    await Deno.remove(file);
  }
});

Deno.test("runScheduler() without credentials exits 1 when the master requires them", async () => {
  const master = await authMaster();
  try {
    const logger = memoryLogger();
    const code = await within(
      "runScheduler() without credentials",
      runScheduler(schedulerArgs(master, ["--ephemeral"]), {}, { logger, writeErr: () => {} }),
      20_000,
    );
    assert.equal(code, 1);
    assert.ok(
      logger.lines.some((l) => l.includes("requires authentication (401) and no credentials")),
      logger.lines.join("\n"),
    );
  } finally {
    await master.stop();
  }
});
