import assert from "node:assert/strict";
import { parseMaintenanceOutcome } from "../contract/orders.ts";
import { encodeMemberConfig } from "../contract/member_config.ts";
import { downloadedEtcdPath, downloadEtcd } from "./etcd_download.ts";
import { config, harness, launch, message, settle } from "./testing/executor_harness.ts";

const NEW_ETCD = "http://artifacts/etcd-3.4-copy";

function withDownloads(fail?: string) {
  const asked: string[] = [];
  const h = harness({
    downloadEtcd: (uri) => {
      asked.push(uri);
      return fail === undefined
        ? Promise.resolve(`/sandbox/etcd-releases/${uri.split("/").pop()}`)
        : Promise.reject(new Error(fail));
    },
  });
  return { h, asked };
}

Deno.test("a restart with a new etcd downloads it, restarts on the same data dir with it and the flags", async () => {
  const { h, asked } = withDownloads();
  h.executor.handle(launch(encodeMemberConfig(config)));
  await h.healthy();
  h.executor.handle(message({
    op: "restart",
    id: "rr-1",
    etcd: { uri: NEW_ETCD, flags: ["--quota-backend-bytes=8589934592"] },
  }));
  await settle();
  assert.deepEqual(asked, [NEW_ETCD]);
  assert.deepEqual(h.procs[0]!.stops, [3000], "the old etcd was stopped gracefully");
  const next = h.procs[1]!;
  assert.equal(next.binary, "/sandbox/etcd-releases/etcd-3.4-copy");
  assert.ok(next.args.includes("--quota-backend-bytes=8589934592"));
  assert.ok(next.args.includes("--data-dir=/sandbox/etcd_data"), "same data dir");
  await h.healthy();
  const outcome = parseMaintenanceOutcome(h.messages.at(-1)!);
  assert.deepEqual([outcome.op, outcome.id, outcome.ok], ["restart", "rr-1", true]);
  // A later crash restarts the new etcd, not the old one.
  next.exit({ code: 1, signal: null });
  await settle();
  h.clock.advance(500);
  assert.equal(h.procs[2]!.binary, "/sandbox/etcd-releases/etcd-3.4-copy");
  assert.ok(h.procs[2]!.args.includes("--quota-backend-bytes=8589934592"));
});

Deno.test("a failed download refuses the restart and leaves the old etcd running", async () => {
  const { h } = withDownloads("HTTP 404");
  h.executor.handle(launch(encodeMemberConfig(config)));
  await h.healthy();
  h.executor.handle(message({ op: "restart", id: "rr-2", etcd: { uri: NEW_ETCD } }));
  await settle();
  assert.equal(h.procs.length, 1);
  assert.deepEqual(h.procs[0]!.stops, [], "etcd untouched");
  const outcome = parseMaintenanceOutcome(h.messages.at(-1)!);
  assert.deepEqual([outcome.ok, outcome.etcd, outcome.message], [false, "running", "HTTP 404"]);
});

Deno.test("a member launched with an etcd spec starts the downloaded etcd with its flags", async () => {
  const { h, asked } = withDownloads();
  const spec = { uri: NEW_ETCD, flags: ["--snapshot-count=5000"] };
  h.executor.handle(launch(encodeMemberConfig({ ...config, etcd: spec })));
  await settle();
  assert.deepEqual(asked, [NEW_ETCD]);
  assert.equal(h.procs[0]!.binary, "/sandbox/etcd-releases/etcd-3.4-copy");
  assert.ok(h.procs[0]!.args.includes("--snapshot-count=5000"));
});

Deno.test("downloadEtcd() fetches over HTTP into the sandbox, executable; a 404 names the URI", async () => {
  const sandbox = await Deno.makeTempDir({ prefix: "etcd-download-" });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/etcd-new"
        ? new Response("#!/bin/sh\necho etcd\n")
        : new Response("no", { status: 404 }),
  );
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const path = await downloadEtcd(`${base}/etcd-new`, sandbox);
    assert.equal(path, downloadedEtcdPath(sandbox, `${base}/etcd-new`));
    assert.equal(path, `${sandbox}/etcd-releases/etcd-new`);
    assert.equal(await Deno.readTextFile(path), "#!/bin/sh\necho etcd\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o755);
    // Downloading again replaces it (renamed into place, never written while it may run).
    assert.equal(await downloadEtcd(`${base}/etcd-new`, sandbox), path);
    await assert.rejects(
      downloadEtcd(`${base}/missing`, sandbox),
      new RegExp(`Cannot download etcd from "${base}/missing": HTTP 404`),
    );
    const copied = await downloadEtcd(`file://${path}`, `${sandbox}/other`);
    assert.equal(await Deno.readTextFile(copied), "#!/bin/sh\necho etcd\n");
  } finally {
    await server.shutdown();
    await Deno.remove(sandbox, { recursive: true });
  }
});
