/**
 * Starting one container: sandbox, fetch of `CommandInfo.uris`, then the command as an OS
 * process with the executor environment.
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import type { Plain } from "../../mesos/plain.ts";
import { fetchUris } from "../fetcher.ts";
import { commandArgv, type ContainerProcess, createSandbox, launchContainer } from "./container.ts";
import { executorEnvironment } from "./executor_env.ts";

/** Everything needed to start a container. */
export interface LaunchSpec {
  /** The CommandInfo to fetch and run. */
  command: Plain;
  directory: string;
  frameworkId: string;
  executorId: string;
  agentId: string;
  agentIp: string;
  agentPort: number;
  checkpoint: boolean;
  shutdownGracePeriodMs: number;
  /** PATH of the agent process, put first in the executor's PATH. */
  agentPath?: string;
  /** Fetcher cache directory. */
  cacheDir: string;
  /** Whom the container is for (CommandInfo's user, else the framework's): cache entries are per user. */
  user?: string;
  logger: Logger;
  /** Extra variables (e.g. MESOS_TASK_ID of a command task), before CommandInfo's. */
  extraEnv?: Record<string, string>;
  /** Run once the sandbox exists, before the fetch (e.g. to link persistent volumes). */
  prepare?: (directory: string) => void;
}

/** A container that could not be started; the message is the reason (fetch or exec). */
export class LaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LaunchError";
  }
}

/**
 * Creates the sandbox, fetches the URIs into it and starts the command.
 *
 * @throws {LaunchError} with the fetch or spawn failure.
 */
export async function launchCommand(spec: LaunchSpec): Promise<ContainerProcess> {
  try {
    await createSandbox(spec.directory);
    spec.prepare?.(spec.directory);
    await fetchUris(spec.command.uris ?? [], spec.directory, {
      cacheDir: spec.cacheDir,
      user: spec.command.user ?? spec.user,
      logger: spec.logger,
    });
    const env = executorEnvironment({
      frameworkId: spec.frameworkId,
      executorId: spec.executorId,
      agentId: spec.agentId,
      agentIp: spec.agentIp,
      agentPort: spec.agentPort,
      directory: spec.directory,
      checkpoint: spec.checkpoint,
      shutdownGracePeriodMs: spec.shutdownGracePeriodMs,
      agentPath: spec.agentPath,
    });
    Object.assign(env, spec.extraEnv ?? {});
    for (const v of spec.command.environment?.variables ?? []) env[v.name] = v.value ?? "";
    return launchContainer({ argv: commandArgv(spec.command), env, cwd: spec.directory });
  } catch (e) {
    throw new LaunchError((e as Error).message);
  }
}
