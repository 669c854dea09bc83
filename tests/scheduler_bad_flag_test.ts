/**
 * End to end: the scheduler process given a bad flag (or a bad environment fallback) exits
 * non-zero with a message naming it, before it connects to ZooKeeper or to the master. Two
 * TCP listeners stand in for them and count connections; control runs with good flags prove
 * that the scheduler does connect to each when nothing is wrong.
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../lib/until.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** A TCP listener that counts the connections it accepts (and closes them). */
class CountingListener {
  readonly port: number;
  connections = 0;
  readonly #listener: Deno.Listener;
  readonly #loop: Promise<void>;
  constructor() {
    const listener = this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#loop = (async () => {
      try {
        for await (const conn of listener) {
          this.connections++;
          conn.close();
        }
      } catch {
        // closed
      }
    })();
  }
  async close(): Promise<void> {
    this.#listener.close();
    await this.#loop;
  }
}

async function runScheduler(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scheduler/main.ts`, ...args],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

/** Runs the scheduler until `done()` is true (or 20 s), then SIGTERM; returns its stderr. */
async function runUntil(args: string[], done: () => boolean): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scheduler/main.ts`, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  await until(done, { timeoutMs: 20_000, what: "the condition", intervalMs: 50 }).catch(() => {});
  child.kill("SIGTERM");
  await child.status;
  return await stderr;
}

Deno.test("scheduler: a bad flag exits non-zero naming it, before touching ZooKeeper or the master", async () => {
  const zk = new CountingListener();
  const master = new CountingListener();
  const good = [
    `--master=127.0.0.1:${master.port}`,
    `--zk-framework-persist=zk://127.0.0.1:${zk.port}/etcd-mesos`,
    "--executor-uri=http://127.0.0.1:1/etcd-mesos-executor.tar.gz",
    "--etcd-uri=http://127.0.0.1:1/etcd",
    "--admin-port=0",
  ];
  try {
    const cases: { args: string[]; env?: Record<string, string>; names: RegExp }[] = [
      { args: [...good, "--cluster-size=4"], names: /--cluster-size "4"/ },
      { args: [...good, "-health-interval=soon"], names: /-health-interval "soon"/ },
      { args: [...good, "--no-such-flag=1"], names: /--no-such-flag/ },
      { args: [...good, "--admin-port=70000"], names: /--admin-port "70000"/ },
      { args: [...good, "--encoding", "xml"], names: /--encoding "xml"/ },
      { args: good.filter((a) => !a.startsWith("--zk")), names: /--zk-framework-persist/ },
      { args: good, env: { CLUSTER_SIZE: "many" }, names: /CLUSTER_SIZE "many"/ },
      {
        args: [...good, "--mesos-authentication-principal=p"],
        names: /--mesos-authentication-secret-file/,
      },
    ];
    for (const c of cases) {
      const { code, stderr } = await runScheduler(c.args, c.env);
      const what = `${c.args.at(-1)} ${JSON.stringify(c.env ?? {})}`;
      assert.notEqual(code, 0, `${what}: exit code`);
      assert.equal(code, 2, `${what}: exit code 2 for bad flags`);
      assert.match(stderr, c.names, `${what}: ${stderr}`);
      assert.match(stderr, /--help/, "points at --help");
    }
    assert.equal(zk.connections, 0, "no connection to ZooKeeper");
    assert.equal(master.connections, 0, "no connection to the master");

    // Controls: with good flags the scheduler does reach ZooKeeper, and (ephemeral) the master.
    await runUntil(good, () => zk.connections > 0);
    assert.ok(zk.connections > 0, "the scheduler connects to ZooKeeper with good flags");
    const ephemeral = [...good.filter((a) => !a.startsWith("--zk")), "--ephemeral"];
    await runUntil(ephemeral, () => master.connections > 0);
    assert.ok(master.connections > 0, "the scheduler connects to the master with good flags");
  } finally {
    await zk.close();
    await master.close();
  }
});
