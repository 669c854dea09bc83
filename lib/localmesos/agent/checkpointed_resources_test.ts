import assert from "node:assert/strict";
import type { Resource } from "../../mesos/types.ts";
import { silentLogger } from "../../log.ts";
import {
  checkpointResources,
  persistentVolumePath,
  recoverCheckpointedResources,
} from "./checkpointed_resources.ts";
import { checkpointedKnown, updateVolumeLinks } from "./volumes.ts";

const reservation = {
  type: "DYNAMIC" as const,
  role: "etcd",
  principal: "p",
  labels: { labels: [{ key: "member", value: "m1" }] },
};
const cpus: Resource = {
  name: "cpus",
  type: "SCALAR",
  scalar: { value: 1 },
  reservations: [reservation],
};
const volume = (id: string, role = "etcd"): Resource => ({
  name: "disk",
  type: "SCALAR",
  scalar: { value: 64 },
  reservations: [{ ...reservation, role }],
  disk: { persistence: { id, principal: "p" }, volume: { mode: "RW", container_path: "data" } },
});

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("checkpointed resources survive on disk, volume directories follow them", async () => {
  const workDir = await Deno.makeTempDir({ prefix: "checkpoint_test_" });
  try {
    assert.deepEqual(await recoverCheckpointedResources(workDir), []);
    const v1 = volume("m1");
    const v2 = volume("m2", "etcd/sub");
    await checkpointResources(workDir, [], [cpus, v1, v2]);
    assert.equal(persistentVolumePath(workDir, v2), `${workDir}/volumes/roles/etcd sub/m2`);
    assert.equal(await exists(`${workDir}/volumes/roles/etcd/m1`), true);
    assert.equal(await exists(`${workDir}/meta/resources/resources.info`), true);
    assert.equal(await exists(`${workDir}/meta/resources/resources.target`), false);
    await Deno.writeTextFile(`${workDir}/volumes/roles/etcd/m1/f`, "data");
    assert.deepEqual(await recoverCheckpointedResources(workDir), [cpus, v1, v2]);
    // DESTROY of m2: its directory and data go.
    await checkpointResources(workDir, [cpus, v1, v2], [cpus, v1]);
    assert.equal(await exists(persistentVolumePath(workDir, v2)), false);
    assert.equal(await Deno.readTextFile(`${workDir}/volumes/roles/etcd/m1/f`), "data");
    assert.deepEqual(await recoverCheckpointedResources(workDir), [cpus, v1]);
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
});

Deno.test("a resources.target left by a crash is applied on recovery", async () => {
  const workDir = await Deno.makeTempDir({ prefix: "checkpoint_test_" });
  try {
    await checkpointResources(workDir, [], [volume("m1")]);
    await Deno.rename(
      `${workDir}/meta/resources/resources.info`,
      `${workDir}/meta/resources/resources.target`,
    );
    await Deno.remove(`${workDir}/volumes`, { recursive: true });
    assert.deepEqual(await recoverCheckpointedResources(workDir), [volume("m1")]);
    assert.equal(await exists(`${workDir}/volumes/roles/etcd/m1`), true);
    assert.equal(await exists(`${workDir}/meta/resources/resources.info`), true);
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
});

Deno.test("volumes are symlinked into the sandbox at container_path and unlinked when unused", async () => {
  const workDir = await Deno.makeTempDir({ prefix: "volumes_test_" });
  try {
    const v = volume("m1");
    await checkpointResources(workDir, [], [v]);
    const sandbox = `${workDir}/sandbox`;
    await Deno.mkdir(sandbox);
    const allocated = { ...v, allocation_info: { role: "etcd" } };
    const linked = updateVolumeLinks(workDir, sandbox, [], [allocated, cpus], silentLogger);
    assert.equal(linked.length, 1);
    assert.equal(await Deno.readLink(`${sandbox}/data`), persistentVolumePath(workDir, v));
    await Deno.writeTextFile(`${sandbox}/data/x`, "1");
    assert.equal(await Deno.readTextFile(`${persistentVolumePath(workDir, v)}/x`), "1");
    // Linking again is a no-op; a nested container path is skipped, as by Mesos.
    updateVolumeLinks(workDir, sandbox, [], [v], silentLogger);
    const nested = {
      ...v,
      disk: { ...v.disk, volume: { mode: "RW" as const, container_path: "a/b" } },
    };
    assert.deepEqual(
      updateVolumeLinks(workDir, sandbox, linked, [v, nested], silentLogger).length,
      2,
    );
    assert.equal(await exists(`${sandbox}/a`), false);
    updateVolumeLinks(workDir, sandbox, linked, [cpus], silentLogger);
    assert.equal(await exists(`${sandbox}/data`), false);
    assert.equal(await exists(`${persistentVolumePath(workDir, v)}/x`), true);
    assert.equal(checkpointedKnown([allocated, { ...cpus, reservations: undefined }], [v]), true);
    assert.equal(checkpointedKnown([volume("other")], [v]), false);
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
});
