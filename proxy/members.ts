/**
 * The etcd members a proxy forwards to (pure): read from the scheduler's `/members` or from
 * the master's task objects (task id first, member labels as fallback), turned into client
 * endpoints, and compared with what the running proxy uses to decide whether to restart it.
 *
 * @module
 */
import { MEMBER_LABEL } from "../contract/labels.ts";
import { tryParseTaskId } from "../contract/task_id.ts";

/** One member the proxy may forward to. */
export interface ProxyMember {
  name: string;
  host: string;
  clientPort: number;
  peerPort: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function portOf(v: unknown): number | undefined {
  const n = typeof v === "string" && /^[0-9]{1,5}$/.test(v) ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

function byName(a: ProxyMember, b: ProxyMember): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.clientPort - b.clientPort;
}

/**
 * The members in the scheduler's `/members` answer that can serve clients: task running and
 * not a raft learner (learners refuse client requests).
 *
 * @throws {TypeError} naming the answer when it is not a JSON array of members.
 */
export function membersFromScheduler(body: unknown): ProxyMember[] {
  if (!Array.isArray(body)) {
    throw new TypeError(
      `Cannot read the scheduler's /members answer ${
        JSON.stringify(body)?.slice(0, 200)
      }: expected a JSON array`,
    );
  }
  const out: ProxyMember[] = [];
  for (const m of body) {
    if (!isObject(m)) continue;
    if (m.taskState !== "TASK_RUNNING" || m.learner === true) continue;
    const clientPort = portOf(m.clientPort);
    const peerPort = portOf(m.rpcPort);
    if (typeof m.name !== "string" || typeof m.host !== "string" || m.host === "") continue;
    if (clientPort === undefined || peerPort === undefined) continue;
    out.push({ name: m.name, host: m.host, clientPort, peerPort });
  }
  return out.sort(byName);
}

function labelsOf(task: Json): Map<string, string> {
  const out = new Map<string, string>();
  // `/master/tasks` writes labels as a flat array; the protobuf JSON form nests them.
  const raw = Array.isArray(task.labels)
    ? task.labels
    : isObject(task.labels) && Array.isArray(task.labels.labels)
    ? task.labels.labels
    : [];
  for (const l of raw) {
    if (isObject(l) && typeof l.key === "string" && typeof l.value === "string") {
      out.set(l.key, l.value);
    }
  }
  return out;
}

/**
 * The member a master task object stands for: parsed from its task id
 * (`"<name> <host> <peerPort> <clientPort>"`), else from its `etcd_mesos_*` labels;
 * `undefined` for a task that is not an etcd-mesos member.
 */
export function memberFromTask(task: unknown): ProxyMember | undefined {
  if (!isObject(task)) return undefined;
  const id = typeof task.id === "string"
    ? task.id
    : isObject(task.task_id) && typeof task.task_id.value === "string"
    ? task.task_id.value
    : undefined;
  const parsed = id === undefined ? undefined : tryParseTaskId(id);
  if (parsed !== undefined) return { ...parsed };
  const labels = labelsOf(task);
  const name = labels.get(MEMBER_LABEL.member);
  const host = labels.get(MEMBER_LABEL.host);
  const peerPort = portOf(labels.get(MEMBER_LABEL.peerPort));
  const clientPort = portOf(labels.get(MEMBER_LABEL.clientPort));
  if (!name || !host || peerPort === undefined || clientPort === undefined) return undefined;
  return { name, host, peerPort, clientPort };
}

/** The members among master task objects whose state is TASK_RUNNING. */
export function membersFromTasks(tasks: readonly unknown[]): ProxyMember[] {
  const out: ProxyMember[] = [];
  const seen = new Set<string>();
  for (const t of tasks) {
    if (!isObject(t) || t.state !== "TASK_RUNNING") continue;
    const m = memberFromTask(t);
    if (m === undefined) continue;
    const key = `${m.host}:${m.clientPort}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m);
  }
  return out.sort(byName);
}

/** `host` for use in a URL (IPv6 literals bracketed). */
function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** The client endpoints (`http://host:port`) of `members`, sorted and without duplicates. */
export function endpointsOf(members: readonly ProxyMember[]): string[] {
  return [...new Set(members.map((m) => `http://${urlHost(m.host)}:${m.clientPort}`))].sort();
}

/** What to do with the grpc-proxy after a poll. */
export type ProxyPlan =
  | { action: "start" | "restart"; endpoints: string[]; added: string[]; removed: string[] }
  | { action: "keep"; reason: string; removed: string[] }
  | { action: "wait"; reason: string };

/**
 * Decides from the endpoints the running proxy uses (`undefined` when none runs) and the
 * endpoints found now:
 * - none found: keep the running proxy on its last endpoints (or wait when none runs);
 * - a new endpoint: (re)start with exactly the endpoints found;
 * - only removals while some used endpoint survives: keep (the proxy's client skips dead
 *   endpoints; the next restart drops them), which avoids a restart per replacement step;
 * - every used endpoint gone: restart.
 */
export function planProxy(
  current: readonly string[] | undefined,
  found: readonly string[],
): ProxyPlan {
  const want = [...new Set(found)].sort();
  if (want.length === 0) {
    return current === undefined ? { action: "wait", reason: "no running member found yet" } : {
      action: "keep",
      reason: "no running member found; keeping the last endpoints",
      removed: [],
    };
  }
  if (current === undefined) {
    return { action: "start", endpoints: want, added: want, removed: [] };
  }
  const have = new Set(current);
  const wanted = new Set(want);
  const added = want.filter((e) => !have.has(e));
  const removed = current.filter((e) => !wanted.has(e));
  if (added.length > 0 || removed.length === current.length) {
    return { action: "restart", endpoints: want, added, removed };
  }
  return removed.length === 0
    ? { action: "keep", reason: "membership unchanged", removed }
    : { action: "keep", reason: "members removed; surviving endpoints still serve", removed };
}
