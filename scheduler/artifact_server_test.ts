import assert from "node:assert/strict";
import { createArtifactHandler, startArtifactServer } from "./artifact_server.ts";

async function tempFile(content: string): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "artifact-test-" });
  await Deno.writeTextFile(path, content);
  return path;
}

Deno.test("artifact server serves files by name over HTTP with GET and HEAD", async () => {
  const exec = await tempFile("tarball bytes");
  const etcd = await tempFile("etcd binary");
  const server = await startArtifactServer({
    files: [{ name: "etcd-mesos-executor.tar.gz", path: exec }, { name: "etcd", path: etcd }],
    hostname: "127.0.0.1",
    port: 0,
    advertise: "127.0.0.1",
  });
  try {
    assert.equal(
      server.url("etcd"),
      `http://127.0.0.1:${server.port}/etcd`,
    );
    const got = await fetch(server.url("etcd-mesos-executor.tar.gz"));
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("content-type"), "application/gzip");
    assert.equal(got.headers.get("content-length"), "13");
    assert.equal(await got.text(), "tarball bytes");
    const head = await fetch(server.url("etcd"), { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "11");
    assert.equal(await head.text(), "");
    const missing = await fetch(server.url("etcdctl"));
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /not found: \/etcdctl/);
  } finally {
    await server.close();
    await Deno.remove(exec);
    await Deno.remove(etcd);
  }
});

Deno.test("artifact handler answers 404 to other methods and to paths outside its files", async () => {
  const file = await tempFile("x");
  const handle = createArtifactHandler([{ name: "etcd", path: file }]);
  try {
    for (
      const [method, path] of [["POST", "/etcd"], ["DELETE", "/etcd"], ["GET", "/../etc/passwd"], [
        "GET",
        "/",
      ], ["GET", "/etcd/x"]]
    ) {
      const res = await handle(new Request(`http://h${path}`, { method }));
      assert.equal(res.status, 404, `${method} ${path}`);
      await res.body?.cancel();
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("startArtifactServer() refuses a missing file, naming it", async () => {
  await assert.rejects(
    () =>
      startArtifactServer({
        files: [{ name: "etcd", path: "/nonexistent/etcd" }],
        port: 0,
        advertise: "127.0.0.1",
      }),
    /\/nonexistent\/etcd/,
  );
});

Deno.test("createArtifactHandler() rejects names that are not one path segment", () => {
  assert.throws(() => createArtifactHandler([{ name: "a/b", path: "/x" }]), /"a\/b"/);
});
