/**
 * Turns a {@linkcode MemberLaunch} into the Mesos TaskInfo the shell sends in ACCEPT (pure).
 * Where the executor comes from (its command and URIs) is the shell's configuration.
 *
 * @module
 */
import type { CommandInfo, TaskInfo } from "../../lib/mesos/types.ts";
import { encodeMemberConfig } from "../../contract/member_config.ts";
import type { MemberLaunch } from "./effects.ts";
import { TASK_NAME, tryParseTaskId } from "../../contract/task_id.ts";

/** How to run the executor on the agent. */
export interface ExecutorTemplate {
  /** Command running the executor, with the URIs the agent fetches into the sandbox. */
  command: CommandInfo;
  /** ExecutorInfo.name; default `etcd-mesos-executor`. */
  name?: string;
  /** The framework id (required by Mesos in ExecutorInfo when known). */
  frameworkId?: string;
  /** Kill grace period before SIGKILL, in ms; default 10 s. */
  killGracePeriodMs?: number;
}

/**
 * The executor id of a member: one executor per member task. A relaunch in place (same
 * name and port) gets its own, so it never meets the ended executor of the launch before.
 */
export function executorIdOf(
  launch: Pick<MemberLaunch, "name" | "peerPort"> & { taskId?: string },
): string {
  const n = launch.taskId === undefined ? undefined : tryParseTaskId(launch.taskId)?.incarnation;
  const base = `etcd-executor-${launch.name}-${launch.peerPort}`;
  return n === undefined ? base : `${base}-r${n}`;
}

/** Builds the TaskInfo (custom executor, data = member config JSON, discovery, labels). */
export function buildTaskInfo(launch: MemberLaunch, template: ExecutorTemplate): TaskInfo {
  const graceNs = (template.killGracePeriodMs ?? 10_000) * 1_000_000;
  return {
    name: TASK_NAME,
    task_id: { value: launch.taskId },
    agent_id: { value: launch.agentId },
    resources: structuredClone(launch.taskResources),
    executor: {
      type: "CUSTOM",
      executor_id: { value: executorIdOf(launch) },
      ...(template.frameworkId ? { framework_id: { value: template.frameworkId } } : {}),
      name: template.name ?? "etcd-mesos-executor",
      command: structuredClone(template.command),
      resources: structuredClone(launch.executorResources),
      labels: { labels: structuredClone(launch.labels) },
    },
    data: encodeMemberConfig(launch.config),
    labels: { labels: structuredClone(launch.labels) },
    discovery: structuredClone(launch.discovery),
    kill_policy: { grace_period: { nanoseconds: graceNs } },
  };
}
