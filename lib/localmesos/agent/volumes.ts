/**
 * Persistent volumes in containers, as Mesos' `filesystem/posix` isolator provides them
 * (src/slave/containerizer/mesos/isolators/filesystem/posix.cpp `update`): each volume the
 * container's resources hold is a symlink `<sandbox>/<container_path>` to the volume's
 * directory under the agent's work dir; a volume the container no longer holds has its
 * link removed. Container paths with a `/` are skipped, as there. And the agent's check
 * that a task only uses checkpointed resources it knows (slave.cpp `_run`).
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import type { Resource } from "../../mesos/types.ts";
import { stringifyResource } from "../resources/format.ts";
import {
  containsResources,
  isPersistentVolume,
  needCheckpointing,
  unallocate,
} from "../resources/resources.ts";
import { persistentVolumePath } from "./checkpointed_resources.ts";

/** Mesos' message for a task using checkpointed resources the agent does not have. */
export const RESOURCES_UNKNOWN_MESSAGE =
  "The checkpointed resources being used by the task or task group are unknown to the agent";

/** True when every reservation and volume in `resources` is among `checkpointed`. */
export function checkpointedKnown(
  resources: readonly Resource[],
  checkpointed: readonly Resource[],
): boolean {
  return unallocate(resources).filter(needCheckpointing).every((r) =>
    containsResources(checkpointed, [r])
  );
}

function realPath(path: string): string | undefined {
  try {
    return Deno.realPathSync(path);
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Brings the volume links of the container in `sandbox` from `current` to `resources` (the
 * container's resources before and after). Returns the volumes now linked.
 *
 * @throws {Error} with the isolator's message when a link cannot be made.
 */
export function updateVolumeLinks(
  workDir: string,
  sandbox: string,
  current: readonly Resource[],
  resources: readonly Resource[],
  log: Logger,
): Resource[] {
  const before = unallocate(current).filter(isPersistentVolume);
  const after = unallocate(resources).filter(isPersistentVolume);
  for (const volume of before) {
    const containerPath = volume.disk!.volume!.container_path;
    if (containerPath.includes("/") || containsResources(after, [volume])) continue;
    const link = `${sandbox}/${containerPath}`;
    log.info("removing symlink of persistent volume", { link });
    try {
      Deno.removeSync(link);
    } catch {
      throw new Error(
        `Failed to remove the symlink for the unneeded persistent volume at '${link}'`,
      );
    }
  }
  for (const volume of after) {
    const containerPath = volume.disk!.volume!.container_path;
    if (containerPath.includes("/")) {
      log.warn(
        `Skipping updating symlink for persistent volume ${
          stringifyResource(volume)
        } because the container path '${containerPath}' contains slash`,
      );
      continue;
    }
    if (containsResources(before, [volume])) continue;
    const original = persistentVolumePath(workDir, volume);
    const link = `${sandbox}/${containerPath}`;
    if (exists(link)) {
      const target = realPath(link);
      const source = realPath(original);
      if (target === undefined) {
        throw new Error(`Failed to get the realpath of symlink '${link}': No such directory`);
      }
      if (source === undefined) {
        throw new Error(`Failed to get the realpath of volume '${original}': No such directory`);
      }
      if (target !== source) {
        throw new Error(
          `The existing symlink '${link}' points to '${source}' and the new target is '${target}'`,
        );
      }
      continue;
    }
    log.info("adding symlink for persistent volume", { from: original, to: link });
    try {
      Deno.symlinkSync(original, link);
    } catch {
      throw new Error(`Failed to symlink persistent volume from '${original}' to '${link}'`);
    }
  }
  return after;
}
