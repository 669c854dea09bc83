/**
 * Destroying a container of the local agent: SIGKILL to every process left in it, and a
 * wait until none is alive, as a real Mesos agent kills every process of the container's
 * cgroup before it reports the executor's tasks terminal.
 *
 * Without cgroups, "in the container" means in the container's session or process group.
 * Both ids are the leader's pid (launchContainer starts it with setsid), and both outlive
 * the leader while any member lives, so a container is found by its leader's pid even after
 * the leader itself has exited. A child that moved to a process group of its own stays in
 * the session and is found; only a child that started a session of its own escapes, as it
 * would escape a real agent without cgroup isolation.
 *
 * @module
 */

/** What {@linkcode destroyContainer} did. */
export interface DestroyResult {
  /** Every pid that was still alive in the container and got SIGKILL. */
  killed: number[];
  /** False when some process was still alive at the deadline (e.g. stuck in the kernel). */
  complete: boolean;
}

/** Options of {@linkcode destroyContainer}. */
export interface DestroyOptions {
  /** Longest wait for the processes to die (ms); default 5000. */
  timeoutMs?: number;
  /** Time between two looks at the process table (ms); default 10. */
  pollMs?: number;
}

/**
 * The live processes (zombies excluded) whose session or process group is `id`, read
 * from /proc; undefined when there is no /proc to read.
 *
 * @throws {RangeError} when `id` is not a pid above 1.
 */
export async function containerProcesses(id: number): Promise<number[] | undefined> {
  checkId(id);
  const found: number[] = [];
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
      // "pid (comm) state ppid pgrp session ..."; comm may itself contain ") ".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields.length < 4 || fields[0] === "Z" || fields[0] === "X") continue;
      if (Number(fields[2]) === id || Number(fields[3]) === id) found.push(Number(entry.name));
    }
  } catch {
    return undefined;
  }
  return found.filter((pid) => pid !== Deno.pid);
}

/**
 * SIGKILLs every process of the container whose leader had pid `id` (its process group
 * and its session), again until none is alive or `timeoutMs` has passed.
 *
 * @throws {RangeError} when `id` is not a pid above 1.
 */
export async function destroyContainer(
  id: number,
  options: DestroyOptions = {},
): Promise<DestroyResult> {
  checkId(id);
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  const pollMs = options.pollMs ?? 10;
  const killed = new Set<number>();
  while (true) {
    const left = await containerProcesses(id);
    if (left === undefined) {
      // No /proc: only the process group can be seen (a zombie counts as alive there).
      if (!killGroup(id)) return { killed: [...killed], complete: true };
    } else {
      if (left.length === 0) return { killed: [...killed], complete: true };
      killGroup(id);
      for (const pid of left) {
        killed.add(pid);
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // It died between the look and the kill.
        }
      }
    }
    if (Date.now() > deadline) return { killed: [...killed], complete: false };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** SIGKILL to the process group `id`; false when there is no such group. */
function killGroup(id: number): boolean {
  try {
    Deno.kill(-id, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id <= 1) {
    throw new RangeError(`Cannot destroy container ${id}: not a process id above 1`);
  }
}
