/**
 * The agent's checkpointed resources — its dynamic reservations and persistent volumes —
 * on disk under its work dir, as a Mesos agent keeps them: `meta/resources/resources.info`,
 * a sequence of `mesos.v1.Resource` protobuf messages each preceded by its 4-byte
 * (little-endian) length, written first as `resources.target` and renamed once applied
 * (the volume directories created or removed). A `resources.target` left by a crash is
 * applied again on recovery. Volumes live in `volumes/roles/<role>/<persistence id>`
 * (a `/` of a hierarchical role written as a space, as Mesos does).
 *
 * @module
 */
import { fromProtobuf, toProtobuf } from "../../mesos/protobuf_codec.ts";
import type { Resource } from "../../mesos/types.ts";
import { downgradeResource, upgradeResource } from "../resources/format.ts";
import {
  hasRefinedReservations,
  isPersistentVolume,
  normalize,
  reservationRole,
} from "../resources/resources.ts";

/** `<workDir>/meta/resources`. */
function resourcesDir(workDir: string): string {
  return `${workDir}/meta/resources`;
}

/** Mesos' `getPersistentVolumePath`: `<workDir>/volumes/roles/<role>/<persistence id>`. */
export function persistentVolumePath(workDir: string, volume: Resource): string {
  const role = reservationRole(volume).replaceAll("/", " ");
  return `${workDir}/volumes/roles/${role}/${volume.disk!.persistence!.id}`;
}

function encode(resources: readonly Resource[]): Uint8Array {
  const parts = resources.map((r) =>
    // Mesos checkpoints in the pre-refinement format when it can.
    toProtobuf("mesos.v1.Resource", hasRefinedReservations(r) ? r : downgradeResource(r))
  );
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

function decode(bytes: Uint8Array): Resource[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Resource[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new RangeError("Truncated checkpointed resources");
    const size = view.getUint32(at, true);
    if (at + 4 + size > bytes.length) throw new RangeError("Truncated checkpointed resources");
    out.push(upgradeResource(
      fromProtobuf<Resource>("mesos.v1.Resource", bytes.subarray(at + 4, at + 4 + size)),
    ));
    at += 4 + size;
  }
  return normalize(out);
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Reads the checkpointed resources of the agent whose work dir is `workDir` (none for a new
 * agent), finishing an interrupted update if `resources.target` is there.
 */
export async function recoverCheckpointedResources(workDir: string): Promise<Resource[]> {
  const dir = resourcesDir(workDir);
  const target = await readIfExists(`${dir}/resources.target`);
  if (target !== undefined) {
    const resources = decode(target);
    await syncVolumes(workDir, resources);
    await Deno.rename(`${dir}/resources.target`, `${dir}/resources.info`);
    return resources;
  }
  const info = await readIfExists(`${dir}/resources.info`);
  return info === undefined ? [] : decode(info);
}

/**
 * Makes `resources` the checkpointed resources: written as the target, the volume
 * directories they add created and those of volumes no longer there removed with their
 * data (Mesos removes a destroyed volume's files), then committed as `resources.info`.
 */
export async function checkpointResources(
  workDir: string,
  previous: readonly Resource[],
  resources: readonly Resource[],
): Promise<void> {
  const dir = resourcesDir(workDir);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(`${dir}/resources.target`, encode(resources));
  const keep = new Set(
    resources.filter(isPersistentVolume).map((v) => persistentVolumePath(workDir, v)),
  );
  for (const old of previous.filter(isPersistentVolume)) {
    const path = persistentVolumePath(workDir, old);
    if (!keep.has(path)) await Deno.remove(path, { recursive: true }).catch(() => {});
  }
  await syncVolumes(workDir, resources);
  await Deno.rename(`${dir}/resources.target`, `${dir}/resources.info`);
}

/** Creates the directory of every persistent volume in `resources` that lacks one. */
async function syncVolumes(workDir: string, resources: readonly Resource[]): Promise<void> {
  for (const v of resources.filter(isPersistentVolume)) {
    await Deno.mkdir(persistentVolumePath(workDir, v), { recursive: true });
  }
}
