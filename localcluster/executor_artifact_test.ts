import assert from "node:assert/strict";
import { silentLogger } from "../lib/log.ts";
import { artifactInputs, ensureExecutorArtifact, staleReason } from "./executor_artifact.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("staleReason() says missing, names a newer input, and is undefined when fresh", async () => {
  const dir = await Deno.makeTempDir({ prefix: "artifact-" });
  try {
    const tarball = `${dir}/x.tar.gz`;
    const input = `${dir}/a.ts`;
    await Deno.writeTextFile(input, "a");
    assert.match((await staleReason(tarball, [input]))!, /x\.tar\.gz is missing/);
    await Deno.writeTextFile(tarball, "t");
    await Deno.utime(input, new Date(1000), new Date(1000));
    assert.equal(await staleReason(tarball, [input, `${dir}/absent.ts`]), undefined);
    await Deno.utime(input, new Date(), new Date(Date.now() + 60_000));
    assert.match((await staleReason(tarball, [input]))!, /a\.ts is newer than/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("artifactInputs() lists the executor's local modules, deno.json and the runtime", async () => {
  const inputs = await artifactInputs(ROOT, `${ROOT}/executor/main.ts`);
  assert.ok(inputs.includes(`${ROOT}/executor/main.ts`));
  assert.ok(inputs.includes(`${ROOT}/lib/mesos/encoding.ts`));
  assert.ok(inputs.includes(`${ROOT}/deno.json`));
  assert.ok(inputs.includes(Deno.execPath()));
  assert.ok(!inputs.includes(`${ROOT}/scheduler/main.ts`), "only the executor's graph");
});

Deno.test("ensureExecutorArtifact() builds when missing, then reuses the fresh tarball", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "artifact-" });
  let builds = 0;
  const build = async (o: { outDir: string; name: string }) => {
    builds++;
    const tarball = `${o.outDir}/${o.name}.tar.gz`;
    const gz = new Blob(["fake"]).stream().pipeThrough(new CompressionStream("gzip"));
    await Deno.writeFile(tarball, gz);
    return { tarball, launcher: o.name };
  };
  try {
    const first = await ensureExecutorArtifact({ root: ROOT, outDir, logger: silentLogger, build });
    assert.equal(first.built, true);
    assert.equal(first.tarball, `${outDir}/etcd-mesos-executor.tar.gz`);
    assert.equal(first.tar, `${outDir}/etcd-mesos-executor.tar`);
    assert.equal(await Deno.readTextFile(first.tar), "fake", "the .tar is the gunzipped .tar.gz");
    const second = await ensureExecutorArtifact({
      root: ROOT,
      outDir,
      logger: silentLogger,
      build,
    });
    assert.equal(second.built, false);
    assert.equal(builds, 1);
    const names = [...Deno.readDirSync(outDir)].map((e) => e.name);
    assert.deepEqual(
      names.sort(),
      ["etcd-mesos-executor.tar", "etcd-mesos-executor.tar.gz"],
      "no staging directory or partial file left",
    );
    // A missing .tar is recreated from a fresh .tar.gz without a build.
    await Deno.remove(first.tar);
    const third = await ensureExecutorArtifact({ root: ROOT, outDir, logger: silentLogger, build });
    assert.equal(third.built, false);
    assert.equal(await Deno.readTextFile(third.tar), "fake");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
