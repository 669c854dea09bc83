/**
 * End to end: `etcd-mesos-proxy --tls` in front of a `--tls` cluster. The proxy makes its key,
 * gets its certificate from the scheduler's `POST /certificates/proxy`, reaches the members
 * over https with it and serves clients over TLS; a client with a certificate of the CA reads
 * and writes through it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { grpcQuorumRead } from "../lib/etcd/testing/grpc_read.ts";
import { requestClientIdentity } from "../localcluster/tls_client.ts";
import { until } from "../lib/until.ts";
import { freePort } from "../lib/free_ports.ts";
import { ProgramProcess } from "./testing/processes.ts";
import { withWorld } from "./testing/world.ts";

const TOKEN = "tls-proxy-token-51c2";

Deno.test("--tls: the proxy gets its certificate from the scheduler and serves clients over TLS", () =>
  withWorld({ name: "tls-proxy", agents: 1, clusterSize: 1, scheduler: false }, async (world) => {
    const tokenFile = `${world.work}/admin-token`;
    await Deno.writeTextFile(tokenFile, TOKEN, { mode: 0o600 });
    const scheduler = world.startScheduler({
      flags: ["--tls", `--tls-dir=${world.work}/scheduler-tls`, `--admin-token-file=${tokenFile}`],
    });
    await world.admin.waitHealthy(1, 120_000);
    const base = `http://127.0.0.1:${scheduler.admin.port}`;
    const listen = `127.0.0.1:${freePort()}`;
    const proxy = new ProgramProcess("proxy/main.ts", [
      "--tls",
      `--scheduler-url=${base}`,
      `--admin-token-file=${tokenFile}`,
      `--listen-client-urls=https://${listen}`,
      `--data-dir=${world.work}/proxy`,
      "--poll-interval=1s",
      "--etcd-bin=/usr/bin/etcd",
    ], world.logFile("proxy.log"));
    try {
      const identity = await requestClientIdentity(base, TOKEN, {
        commonName: "proxy-test-client",
      });
      // The grpc-proxy serves gRPC only (no JSON gateway): a gRPC client, as its users have.
      const revision = await until(
        () =>
          grpcQuorumRead(`https://${listen}`, { tls: identity, timeoutMs: 2000 }).catch(() =>
            undefined
          ),
        { timeoutMs: 60_000, what: "a read through the proxy over TLS" },
      );
      assert.match(revision, /^\d+$/);
      const history = await (await fetch(`${base}/history`)).json() as {
        certificates: { kind: string }[];
      };
      assert.ok(history.certificates.some((c) => c.kind === "proxy"));
      const log = await Deno.readTextFile(world.logFile("proxy.log"));
      assert.doesNotMatch(log, /PRIVATE KEY/);
      assert.ok(!log.includes(TOKEN));
    } finally {
      await proxy.stop();
    }
  }));
