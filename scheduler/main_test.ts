import assert from "node:assert/strict";
import { memoryLogger, silentLogger } from "../lib/log.ts";
import { createLocalMaster, type LocalMaster } from "../lib/localmesos/master/master.ts";
import { ZkClient } from "../lib/zk/client.ts";
import { startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import { freePort } from "../lib/free_ports.ts";
import { runScheduler } from "./main.ts";
import { until } from "../lib/until.ts";

const ZK = "--zk-framework-persist=zk://127.0.0.1:1/etcd-mesos";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    options: {
      writeOut: (t: string) => out.push(t),
      writeErr: (l: string) => err.push(l),
      logger: silentLogger,
    },
  };
}

Deno.test("runScheduler() exits 2 naming a bad flag value, before any side effect", async () => {
  const c = capture();
  const started = Date.now();
  assert.equal(await runScheduler(["--cluster-size=4", ZK], {}, c.options), 2);
  assert.match(c.err.join("\n"), /--cluster-size.*"4"/);
  assert.ok(Date.now() - started < 2000, "no connection attempt");
});

Deno.test("runScheduler() exits 2 for an unknown flag and a missing --zk-framework-persist", async () => {
  const c = capture();
  assert.equal(await runScheduler(["--no-such-flag=1", ZK], {}, c.options), 2);
  assert.match(c.err.join("\n"), /no-such-flag/);
  const d = capture();
  assert.equal(await runScheduler([], {}, d.options), 2);
  assert.match(d.err.join("\n"), /--zk-framework-persist/);
});

Deno.test("runScheduler() --help prints the usage and exits 0", async () => {
  const c = capture();
  assert.equal(await runScheduler(["--help"], {}, c.options), 0);
  assert.match(c.out.join(""), /--cluster-size/);
  assert.match(c.out.join(""), /--artifact-port/);
});

Deno.test("runScheduler() exits 2 naming --executor-bin when the artifact to serve is missing", async () => {
  const c = capture();
  const code = await runScheduler(
    [ZK, "--executor-bin=/nonexistent/etcd-mesos-executor.tar.gz"],
    {},
    c.options,
  );
  assert.equal(code, 2);
  assert.match(c.err.join("\n"), /--executor-bin "\/nonexistent\/etcd-mesos-executor\.tar\.gz"/);
});

Deno.test("runScheduler() exits 2 naming an unreadable secret file", async () => {
  const c = capture();
  const code = await runScheduler(
    [
      ZK,
      "--executor-uri=/x/etcd-mesos-executor.tar.gz",
      "--etcd-uri=/usr/bin/etcd",
      "--mesos-authentication-principal=p",
      "--mesos-authentication-secret-file=/nonexistent/secret",
    ],
    {},
    c.options,
  );
  assert.equal(code, 2);
  assert.match(c.err.join("\n"), /--mesos-authentication-secret-file "\/nonexistent\/secret"/);
});

async function frameworks(master: LocalMaster): Promise<{ id: string; active: boolean }[]> {
  const res = await fetch(`${master.url}/master/state`);
  return (await res.json()).frameworks;
}

function schedulerArgs(master: LocalMaster, adminPort: number, extra: string[]): string[] {
  return [
    `--master=${master.url}`,
    `--admin-port=${adminPort}`,
    "--address=127.0.0.1",
    "--executor-uri=/x/etcd-mesos-executor.tar.gz",
    "--etcd-uri=/usr/bin/etcd",
    "--cluster-size=1",
    ...extra,
  ];
}

Deno.test("runScheduler() keeps the framework across a restart through the id in ZooKeeper", async () => {
  const zk = await startZooKeeper();
  const master = await createLocalMaster({ port: 0, logger: silentLogger });
  const zkArg = `--zk-framework-persist=zk://${zk.url}/etcd-mesos`;
  try {
    const adminPort = freePort();
    const first = new AbortController();
    const logger = memoryLogger({ level: "info" });
    const run1 = runScheduler(schedulerArgs(master, adminPort, [zkArg]), {}, {
      logger,
      signal: first.signal,
    });
    const [fw] = await until(async () => {
      const f = await frameworks(master);
      return f.length === 1 && f[0]!.active ? f : undefined;
    }, { timeoutMs: 20_000, what: "the framework", intervalMs: 100 });
    const healthz = await until(() => fetch(`http://127.0.0.1:${adminPort}/healthz`), {
      timeoutMs: 20_000,
      what: "the admin API",
      intervalMs: 100,
    });
    assert.equal(healthz.status, 503);
    await healthz.body?.cancel();
    const raw = await ZkClient.connect(zk.url);
    try {
      const stored = await until(async () => {
        const { data } = await raw.getData("/etcd-mesos/etcd_framework_id");
        return new TextDecoder().decode(data);
      }, { timeoutMs: 20_000, what: "the stored id", intervalMs: 100 });
      assert.equal(stored, fw!.id);
    } finally {
      await raw.close();
    }
    first.abort();
    assert.equal(await run1, 0);
    const after = await frameworks(master);
    assert.deepEqual(after.map((f) => [f.id, f.active]), [[fw!.id, false]], "not torn down");

    const second = new AbortController();
    const run2 = runScheduler(schedulerArgs(master, adminPort, [zkArg]), {}, {
      logger: silentLogger,
      signal: second.signal,
    });
    await until(async () => {
      const f = await frameworks(master);
      return f.length === 1 && f[0]!.id === fw!.id && f[0]!.active ? true : undefined;
    }, { timeoutMs: 20_000, what: "the same framework, active again", intervalMs: 100 });
    second.abort();
    assert.equal(await run2, 0);
    assert.ok(logger.records.some((r) => r.msg.startsWith("no framework id stored")));
  } finally {
    await master.stop();
    await zk.stop();
  }
});

Deno.test("runScheduler() tears an ephemeral framework down when stopped", async () => {
  const master = await createLocalMaster({ port: 0, logger: silentLogger });
  try {
    const stop = new AbortController();
    const run = runScheduler(schedulerArgs(master, freePort(), ["--ephemeral"]), {}, {
      logger: silentLogger,
      signal: stop.signal,
    });
    await until(async () => {
      const f = await frameworks(master);
      return f.length === 1 && f[0]!.active ? true : undefined;
    }, { timeoutMs: 20_000, what: "the framework", intervalMs: 100 });
    stop.abort();
    assert.equal(await run, 0);
    assert.deepEqual(await frameworks(master), []);
  } finally {
    await master.stop();
  }
});

Deno.test("runScheduler() exits 1 and registers nothing new when Mesos removed the framework", async () => {
  const zk = await startZooKeeper();
  const master = await createLocalMaster({ port: 0, logger: silentLogger });
  const args = schedulerArgs(master, freePort(), [
    `--zk-framework-persist=zk://${zk.url}/etcd-mesos`,
    "--failover-timeout-seconds=0",
  ]);
  try {
    const first = new AbortController();
    const run1 = runScheduler(args, {}, { logger: silentLogger, signal: first.signal });
    const [fw] = await until(async () => {
      const f = await frameworks(master);
      return f.length === 1 && f[0]!.active ? f : undefined;
    }, { timeoutMs: 20_000, what: "the framework", intervalMs: 100 });
    const raw = await ZkClient.connect(zk.url);
    try {
      await until(() => raw.exists("/etcd-mesos/etcd_framework_id"), {
        timeoutMs: 20_000,
        what: "the stored id",
        intervalMs: 100,
      });
    } finally {
      await raw.close();
    }
    first.abort();
    assert.equal(await run1, 0);
    await until(async () => (await frameworks(master)).length === 0 ? true : undefined, {
      timeoutMs: 20_000,
      what: "the framework to be removed",
      intervalMs: 100,
    });

    const logger = memoryLogger({ level: "info" });
    assert.equal(await runScheduler(args, {}, { logger }), 1);
    const error = logger.records.find((r) => r.level === "error" && /removed/.test(r.msg));
    assert.match(String(error?.msg), /Mesos has removed this framework/);
    assert.match(String(error?.msg), /\/etcd-mesos\/etcd_framework_id/);
    assert.equal(error?.fields.frameworkId, fw!.id);
    assert.deepEqual(await frameworks(master), [], "no new framework registered");
  } finally {
    await master.stop();
    await zk.stop();
  }
});

async function adminGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

Deno.test("runScheduler(): a second scheduler stands by without subscribing and takes over when the first stops", async () => {
  const zk = await startZooKeeper();
  const master = await createLocalMaster({ port: 0, logger: silentLogger });
  const zkArg = `--zk-framework-persist=zk://${zk.url}/etcd-mesos`;
  const [portA, portB] = [freePort(), freePort()];
  const a = new AbortController();
  const b = new AbortController();
  let runB: Promise<number> | undefined;
  try {
    const runA = runScheduler(schedulerArgs(master, portA, [zkArg]), {}, {
      logger: silentLogger,
      signal: a.signal,
    });
    const [fw] = await until(async () => {
      const f = await frameworks(master);
      return f.length === 1 && f[0]!.active ? f : undefined;
    }, { timeoutMs: 20_000, what: "the framework", intervalMs: 100 });
    runB = runScheduler(schedulerArgs(master, portB, [zkArg]), {}, {
      logger: silentLogger,
      signal: b.signal,
    });
    const standby = await until(async () => {
      const h = await adminGet(portB, "/healthz");
      return h.body.startsWith("standby: leader is") ? h : undefined;
    }, { timeoutMs: 20_000, what: "B standing by", intervalMs: 100 });
    assert.deepEqual(standby, { status: 200, body: `standby: leader is 127.0.0.1:${portA}` });
    assert.equal(JSON.parse((await adminGet(portB, "/stats")).body).leader, 0);
    assert.equal(JSON.parse((await adminGet(portA, "/stats")).body).leader, 1);
    assert.deepEqual(
      (await frameworks(master)).map((f) => [f.id, f.active]),
      [[fw!.id, true]],
      "the standby did not subscribe",
    );

    a.abort();
    assert.equal(await runA, 0);
    await until(async () => {
      const s = JSON.parse((await adminGet(portB, "/stats")).body);
      return s.leader === 1 ? true : undefined;
    }, { timeoutMs: 20_000, what: "B leading", intervalMs: 100 });
    await until(async () => {
      const f = await frameworks(master);
      return f.length === 1 && f[0]!.id === fw!.id && f[0]!.active ? true : undefined;
    }, { timeoutMs: 20_000, what: "the same framework, resubscribed by B", intervalMs: 100 });
    b.abort();
    assert.equal(await runB, 0);
    runB = undefined;
  } finally {
    a.abort();
    b.abort();
    await runB;
    await master.stop();
    await zk.stop();
  }
});

Deno.test("runScheduler() waits for ZooKeeper at start, answering as a standby, and stops cleanly", async () => {
  const master = await createLocalMaster({ port: 0, logger: silentLogger });
  const port = freePort();
  const noZk = `--zk-framework-persist=zk://127.0.0.1:${freePort()}/etcd-mesos`;
  const stop = new AbortController();
  try {
    const run = runScheduler(schedulerArgs(master, port, [noZk]), {}, {
      logger: silentLogger,
      signal: stop.signal,
    });
    const h = await until(() => adminGet(port, "/healthz"), {
      timeoutMs: 20_000,
      what: "the admin API",
      intervalMs: 100,
    });
    assert.equal(h.status, 200);
    assert.match(h.body, /^standby: (waiting for the leader lock|leader unknown)/);
    assert.equal(JSON.parse((await adminGet(port, "/stats")).body).leader, 0);
    stop.abort();
    assert.equal(await run, 0);
    assert.deepEqual(await frameworks(master), [], "never subscribed");
  } finally {
    stop.abort();
    await master.stop();
  }
});

Deno.test("runScheduler() steps down with exit 1 when the leader lock went to another scheduler", async () => {
  const zk = await startZooKeeper();
  const master = await createLocalMaster({ port: 0, logger: silentLogger });
  const zkArg = `--zk-framework-persist=zk://${zk.url}/etcd-mesos`;
  const [portA, portB] = [freePort(), freePort()];
  const a = new AbortController();
  const b = new AbortController();
  const logA = memoryLogger({ level: "info" });
  const raw = await ZkClient.connect(zk.url);
  let runA: Promise<number> | undefined;
  let runB: Promise<number> | undefined;
  try {
    runA = runScheduler(schedulerArgs(master, portA, [zkArg]), {}, {
      logger: logA,
      signal: a.signal,
    });
    const [fw] = await until(async () => {
      const f = await frameworks(master);
      return f.length === 1 && f[0]!.active ? f : undefined;
    }, { timeoutMs: 20_000, what: "the framework", intervalMs: 100 });
    runB = runScheduler(schedulerArgs(master, portB, [zkArg]), {}, {
      logger: silentLogger,
      signal: b.signal,
    });
    await until(async () => {
      const h = await adminGet(portB, "/healthz");
      return h.body.startsWith("standby: leader is") ? h : undefined;
    }, { timeoutMs: 20_000, what: "B standing by", intervalMs: 100 });
    // As if A's session had expired: its lock node goes, so B is first in line now.
    const dir = "/etcd-mesos/etcd_leader";
    for (const child of await raw.getChildren(dir)) {
      const { data } = await raw.getData(`${dir}/${child}`);
      if (new TextDecoder().decode(data) === `127.0.0.1:${portA}`) {
        await raw.remove(`${dir}/${child}`);
      }
    }
    assert.equal(await runA, 1, "A stepped down");
    runA = undefined;
    // Whichever comes first: A sees B holding the lock, or the master fails A over to B.
    assert.ok(
      logA.records.some((r) =>
        r.level === "error" &&
        (/stepping down/.test(r.msg) || /Framework failed over/.test(String(r.fields.message)))
      ),
      logA.lines.join("\n"),
    );
    await until(async () => {
      const s = JSON.parse((await adminGet(portB, "/stats")).body);
      const f = await frameworks(master);
      return s.leader === 1 && f.length === 1 && f[0]!.id === fw!.id && f[0]!.active
        ? true
        : undefined;
    }, { timeoutMs: 20_000, what: "B leading the same framework", intervalMs: 100 });
    b.abort();
    assert.equal(await runB, 0);
    runB = undefined;
  } finally {
    a.abort();
    b.abort();
    await runA;
    await runB;
    await raw.close();
    await master.stop();
    await zk.stop();
  }
});
