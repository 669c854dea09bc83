import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { startEtcd } from "../lib/etcd/testing/etcd_server.ts";
import { silentLogger } from "../lib/log.ts";
import { startLocalMesos } from "../lib/localmesos/cluster.ts";
import { runProxy } from "./main.ts";
import { freePort } from "../lib/free_ports.ts";

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runProxy(args, { PATH: "/usr/bin:/bin", ...env }, {
    logger: silentLogger,
    writeOut: (t) => out.push(t),
    writeErr: (l) => err.push(l),
  });
  return { code, out: out.join(""), err };
}

Deno.test("runProxy() prints help and exits 0", async () => {
  const r = await run(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /Usage: etcd-mesos-proxy/);
  assert.match(r.out, /--scheduler-url/);
});

Deno.test("runProxy() exits 2 naming a bad flag", async () => {
  const r = await run(["--master=?"]);
  assert.equal(r.code, 2);
  assert.match(r.err[0]!, /^etcd-mesos-proxy: Cannot parse --master "\?"/);
});

Deno.test("runProxy() exits 2 with one clear line when etcd is missing", async () => {
  const r = await run(["--scheduler-url=http://127.0.0.1:1"], { PATH: "/nonexistent" });
  assert.equal(r.code, 2);
  assert.match(
    r.err[0]!,
    /^etcd-mesos-proxy: Cannot use --etcd-bin "etcd": not found on PATH \(\/nonexistent\)\. Install etcd/,
  );
  assert.ok(!r.err[0]!.includes("\n"));
});

Deno.test("runProxy() exits 1 naming the framework when the master does not know it", async () => {
  const work = await Deno.makeTempDir();
  const mesos = await startLocalMesos({
    masters: 1,
    agents: 0,
    port: 0,
    workDir: work,
    logger: silentLogger,
  });
  try {
    const r = await run([
      `--master=${mesos.masterSpec}`,
      "--framework-name=etcd-nowhere",
      `--listen-client-urls=http://127.0.0.1:${freePort()}`,
      `--data-dir=${work}/proxy`,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.err[0]!,
      /Framework "etcd-nowhere" is not registered with the Mesos master http:\/\/127\.0\.0\.1:\d+\/ \(registered: none\)/,
    );
  } finally {
    await mesos.stop();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("runProxy() with --scheduler-url proxies to the members the scheduler reports, until stopped", async () => {
  const etcd = await startEtcd({ name: "m1" });
  const work = await Deno.makeTempDir();
  const client = new URL(etcd.clientUrl);
  const scheduler = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    assert.equal(new URL(req.url).pathname, "/members");
    return Response.json([{
      name: "m1",
      host: client.hostname,
      rpcPort: Number(new URL(etcd.peerUrl).port),
      clientPort: Number(client.port),
      taskState: "TASK_RUNNING",
      learner: false,
    }]);
  });
  const listen = `127.0.0.1:${freePort()}`;
  const stop = new AbortController();
  const running = runProxy(
    [
      `--scheduler-url=http://127.0.0.1:${scheduler.addr.port}`,
      `--listen-client-urls=http://${listen}`,
      `--data-dir=${work}/proxy`,
      "--poll-interval=1s",
    ],
    { PATH: "/usr/bin" },
    { logger: silentLogger, signal: stop.signal },
  );
  try {
    const deadline = Date.now() + 20_000;
    let value: string | null = null;
    while (value === null && Date.now() < deadline) {
      const c = new Etcd3({ hosts: [`http://${listen}`], dialTimeout: 1000 });
      try {
        await c.put("via").value("proxy");
        value = await c.get("via").string();
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        c.close();
      }
    }
    assert.equal(value, "proxy");
  } finally {
    stop.abort();
    assert.equal(await running, 0);
    await scheduler.shutdown();
    await etcd.stop();
    await Deno.remove(work, { recursive: true });
  }
});
