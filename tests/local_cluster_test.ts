/**
 * End to end: `deno task start` (localcluster/main.ts) as a subprocess on free ports
 * prints a ready block, the etcdctl line it prints works, and SIGINT stops every process it
 * started (local Mesos, scheduler, executors, etcd).
 *
 * Set `LOCAL_CLUSTER_KEEP=1` to keep the work directory (logs, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import {
  descendantsOf,
  isAlive,
  processesUnder,
  type ProcessId,
} from "../localcluster/leftovers.ts";
import { freePort, freePortBlock } from "../lib/free_ports.ts";
import { until } from "../lib/until.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const log = createLogger({ fields: { test: "local-cluster" } });

/** Collects a stream's text. */
class TextCollector {
  text = "";
  readonly done: Promise<void>;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (this.text += chunk) }),
    ).catch(() => {});
  }
}

Deno.test("deno task start: ready line, etcdctl health through the printed endpoints, SIGINT stops everything", async () => {
  const work = await Deno.makeTempDir({ prefix: "etcd-mesos-start-" });
  const base = freePortBlock(60);
  const launcher = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}localcluster/main.ts`,
      "--mesos-port",
      "0",
      "--work-dir",
      `${work}/w`,
      "--agent-resources",
      `cpus:4;mem:4096;disk:20000;ports:[${base}-${base + 19}]`,
      `--admin-port=${freePort()}`,
      "--artifact-port=0",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new TextCollector(launcher.stdout);
  const err = new TextCollector(launcher.stderr);
  const status = launcher.status;
  let stopped = false;
  let tree: ProcessId[] = [];
  try {
    let exited = false;
    status.then(() => exited = true);
    await until(() => {
      if (exited) throw new Error("the launcher exited before printing its ready block");
      return /Press Ctrl-C/.test(out.text);
    }, { timeoutMs: 150_000, what: "the launcher's ready block", stopOn: () => true });
    assert.match(out.text, /^etcd cluster ready: 3 members$/m);
    assert.match(err.text, /member 2\/3 joined/);
    assert.match(err.text, /member 3\/3 joined/);
    const admin = /admin: +(http:\/\/\S+)\//.exec(out.text)?.[1];
    assert.ok(admin, "the admin URL is printed");
    const health = await fetch(`${admin}/healthz`);
    assert.equal(health.status, 200, await health.text());

    // The printed etcdctl line works as printed.
    const line = /try: +(etcdctl .*endpoint health)$/m.exec(out.text)?.[1];
    assert.ok(line, "an etcdctl line is printed");
    const endpoints = /--endpoints=(\S+)/.exec(line)![1]!.split(",");
    assert.equal(endpoints.length, 3);
    assert.ok(endpoints.every((e) => /^http:\/\/127\.0\.0\.1:\d+$/.test(e)), line);
    const [cmd, ...args] = line.split(" ");
    const ctl = await new Deno.Command(cmd!, { args, stdout: "piped", stderr: "piped" }).output();
    const ctlText = new TextDecoder().decode(ctl.stdout) + new TextDecoder().decode(ctl.stderr);
    assert.equal(ctl.code, 0, ctlText);
    assert.equal(ctlText.match(/is healthy/g)?.length, 3, ctlText);

    // Everything the launcher started: local Mesos, scheduler, 3 executors, 3 etcd (+ shells).
    tree = descendantsOf(launcher.pid);
    const etcds = (await processesUnder(`${work}/w`)).filter((p) => /\/etcd /.test(p.command));
    assert.equal(etcds.length, 3, JSON.stringify(etcds));
    assert.ok(
      etcds.every((e) => tree.some((t) => t.pid === e.pid)),
      "etcd runs under the launcher",
    );
    assert.ok(tree.length >= 8, `at least 8 processes under the launcher, found ${tree.length}`);

    launcher.kill("SIGINT");
    stopped = true;
    const code = (await status).code;
    await Promise.all([out.done, err.done]);
    assert.equal(code, 0, err.text.slice(-3000));
    assert.match(err.text, /everything stopped; no process left/);
    assert.deepEqual(tree.filter(isAlive), [], "no process the launcher started is left");
    assert.deepEqual(await processesUnder(`${work}/w`), []);
  } catch (e) {
    log.error("launcher stderr", { tail: err.text.slice(-6000) });
    throw e;
  } finally {
    if (!stopped) launcher.kill("SIGINT");
    await status;
    await Promise.all([out.done, err.done]);
    for (const p of tree.filter(isAlive)) Deno.kill(p.pid, "SIGKILL");
    if (Deno.env.get("LOCAL_CLUSTER_KEEP")) log.info("work dir kept", { work });
    else await Deno.remove(work, { recursive: true }).catch(() => {});
  }
});
