import assert from "node:assert/strict";
import { artifactVersion, createArtifactHandler, startArtifactServer } from "./artifact_server.ts";

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
    assert.match(
      server.url("etcd"),
      new RegExp(`^http://127.0.0.1:${server.port}/v/[a-z0-9-]+/etcd$`),
    );
    const plain = await fetch(`http://127.0.0.1:${server.port}/etcd`);
    assert.equal(await plain.text(), "etcd binary", "the unversioned path serves the file too");
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

Deno.test("artifactVersion() changes with a file's size or modification time", async () => {
  const path = await tempFile("v1");
  try {
    const before = artifactVersion(await Deno.stat(path));
    assert.equal(artifactVersion(await Deno.stat(path)), before);
    await Deno.writeTextFile(path, "v2 longer");
    assert.notEqual(artifactVersion(await Deno.stat(path)), before);
    const t = new Date(Date.now() + 60_000);
    const sized = artifactVersion(await Deno.stat(path));
    await Deno.utime(path, t, t);
    assert.notEqual(artifactVersion(await Deno.stat(path)), sized);
  } finally {
    await Deno.remove(path);
  }
});
