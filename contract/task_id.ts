/**
 * Task identity: the Mesos task id carries the member's name, host and ports like the
 * original's (`"<name> <host> <peerPort> <clientPort>"`), so a member's whole placement can
 * be rebuilt from the master alone (reconciliation answers carry only the task id).
 *
 * @module
 */

/** The Mesos task name of every member (and the DiscoveryInfo name Mesos-DNS serves). */
export const TASK_NAME = "etcd-server";

/** What a task id says about its member. */
export interface TaskIdParts {
  /** Member name, `etcd-<n>`. */
  name: string;
  /** The agent's host name or address. */
  host: string;
  peerPort: number;
  clientPort: number;
  /**
   * How many times the member was relaunched in place on its persistent volume (same
   * name, host and ports): written as a fifth part `r<n>` so each launch has its own id.
   */
  incarnation?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const HOST = /^[A-Za-z0-9._:\[\]-]+$/;

function portOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** True when `host` (an offer's hostname) can be written into a task id and a peer URL. */
export function isUsableHost(host: string): boolean {
  return HOST.test(host);
}

/**
 * Formats a task id: `"<name> <host> <peerPort> <clientPort>"`.
 *
 * @throws {RangeError} naming the part that cannot be written into a task id.
 */
export function formatTaskId(parts: TaskIdParts): string {
  if (!NAME.test(parts.name)) {
    throw new RangeError(`Cannot format a task id with member name ${JSON.stringify(parts.name)}`);
  }
  if (!HOST.test(parts.host)) {
    throw new RangeError(`Cannot format a task id with host ${JSON.stringify(parts.host)}`);
  }
  for (const [what, port] of [["peer port", parts.peerPort], ["client port", parts.clientPort]]) {
    if (portOf(String(port)) === undefined) {
      throw new RangeError(`Cannot format a task id with ${what} ${port}: expected 1..65535`);
    }
  }
  const base = `${parts.name} ${parts.host} ${parts.peerPort} ${parts.clientPort}`;
  const n = parts.incarnation;
  if (n === undefined || n === 0) return base;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Cannot format a task id with incarnation ${n}: expected an integer >= 0`);
  }
  return `${base} r${n}`;
}

const INCARNATION = /^r([0-9]{1,9})$/;

/**
 * Parses a task id written by {@linkcode formatTaskId}. The original's five-part ids
 * (`... <reseedPort>`) are accepted too; the fifth part is ignored.
 *
 * @throws {RangeError} naming the task id when it is not one of ours.
 */
export function parseTaskId(taskId: string): TaskIdParts {
  const parts = taskId.split(" ");
  const [name, host, peer, client] = parts;
  const peerPort = portOf(peer);
  const clientPort = portOf(client);
  const fifth = parts[4];
  const incarnation = fifth === undefined ? undefined : INCARNATION.exec(fifth)?.[1];
  const fifthOk = parts.length === 4 ||
    (parts.length === 5 && (portOf(fifth) !== undefined || incarnation !== undefined));
  if (
    !fifthOk || name === undefined || !NAME.test(name) || host === undefined ||
    !HOST.test(host) || peerPort === undefined || clientPort === undefined
  ) {
    throw new RangeError(
      `Cannot parse task id ${
        JSON.stringify(taskId)
      }: expected "<name> <host> <peerPort> <clientPort>"`,
    );
  }
  return incarnation === undefined || Number(incarnation) === 0
    ? { name, host, peerPort, clientPort }
    : { name, host, peerPort, clientPort, incarnation: Number(incarnation) };
}

/** {@linkcode parseTaskId} that returns `undefined` instead of throwing. */
export function tryParseTaskId(taskId: string): TaskIdParts | undefined {
  try {
    return parseTaskId(taskId);
  } catch {
    return undefined;
  }
}

/** Formats a member name: `etcd-<n>`. */
export function memberName(index: number): string {
  return `etcd-${index}`;
}

/** The `n` of a member name `etcd-<n>`, or `undefined` for other names. */
export function memberIndex(name: string): number | undefined {
  const m = /^etcd-([0-9]{1,15})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
