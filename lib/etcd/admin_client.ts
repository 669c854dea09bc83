/**
 * A small administrative client over `npm:etcd3` for the scheduler: per-member status,
 * membership (learner add, promote, remove), a quorum read and a per-member KV hash.
 *
 * Ids, raft indexes and terms are decimal strings (etcd's uint64s exceed 2^53); compare
 * them with `BigInt`. Every call has a deadline. Per-member calls (`status`, `hashKV`)
 * talk to exactly that endpoint; cluster calls try the configured endpoints one by one,
 * moving on only when an endpoint cannot serve the call (connection failure, a learner,
 * or — for read-only calls — a timeout), so a membership change is never sent twice
 * after an ambiguous timeout.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Etcd3, type IHashKVResponse, type IMember, type IOptions } from "etcd3";
import { type Logger, silentLogger } from "../log.ts";
import { EtcdAdminError, type EtcdAdminErrorKind, toAdminError } from "./admin_errors.ts";

export { EtcdAdminError, type EtcdAdminErrorKind } from "./admin_errors.ts";

/** One configured etcd member. */
export interface EtcdMember {
  /** Member id, decimal. */
  id: string;
  /** Empty until the member has started and published its name. */
  name: string;
  peerUrls: string[];
  /** Empty until the member has started. */
  clientUrls: string[];
  isLearner: boolean;
}

/** What one member says about itself (etcd's maintenance Status). */
export interface EtcdMemberStatus {
  /** The endpoint asked, `host:port`. */
  endpoint: string;
  /** The answering member's id, decimal. */
  memberId: string;
  /** The leader this member believes in, decimal; `"0"` when it knows none. */
  leader: string;
  /** Raft committed index, decimal. */
  raftIndex: string;
  /** Raft applied index, decimal (`"0"` on servers that do not report it). */
  raftAppliedIndex: string;
  /** Raft term, decimal. */
  raftTerm: string;
  isLearner: boolean;
  /** Backend size in bytes. */
  dbSize: number;
  /** Server version, e.g. `3.4.23`. */
  version: string;
  /** Alarms and health errors the member reports. */
  errors: string[];
}

/** Result of {@linkcode EtcdAdmin.addLearner}. */
export interface AddMemberResult {
  /** The new member (no name or client URLs until it starts). */
  member: EtcdMember;
  /** The membership after the change. */
  members: EtcdMember[];
  /** False when the server has no learners and a voting member was added instead. */
  learner: boolean;
}

/** Result of {@linkcode EtcdAdmin.linearizableRead}. */
export interface LinearizableReadResult {
  /** The member that served the read, decimal. */
  memberId: string;
  /** KV revision, decimal. */
  revision: string;
  /** Raft term, decimal. */
  raftTerm: string;
}

/** Result of {@linkcode EtcdAdmin.hashKV}. */
export interface EtcdHashKV {
  endpoint: string;
  memberId: string;
  /** Hash of the MVCC keys up to `revision`. */
  hash: string;
  /** The revision hashed, decimal. */
  revision: string;
  compactRevision: string;
}

/** Per-call options of cluster calls. */
export interface ClusterCallOptions {
  /** Endpoints to try instead of the configured ones. */
  endpoints?: readonly string[];
}

/** The etcd administration the scheduler needs; inject a fake in core tests. */
export interface EtcdAdmin {
  /** Status of the member at `endpoint` (that member only). */
  status(endpoint: string): Promise<EtcdMemberStatus>;
  /** Hash of the member's KV store at `revision` (default: its latest). */
  hashKV(endpoint: string, revision?: string): Promise<EtcdHashKV>;
  /** The configured membership. */
  memberList(options?: ClusterCallOptions): Promise<EtcdMember[]>;
  /** Adds a learner with `peerUrls` (a voter where learners are unsupported). */
  addLearner(peerUrls: readonly string[], options?: ClusterCallOptions): Promise<AddMemberResult>;
  /** Promotes learner `memberId` to a voter; returns the membership after. */
  promote(memberId: string, options?: ClusterCallOptions): Promise<EtcdMember[]>;
  /** Removes `memberId`; returns the membership after. */
  remove(memberId: string, options?: ClusterCallOptions): Promise<EtcdMember[]>;
  /** A quorum (linearizable) read of one key; proves the cluster can serve reads. */
  linearizableRead(options?: ClusterCallOptions): Promise<LinearizableReadResult>;
  /** Replaces the endpoints cluster calls use; drops per-member clients no longer listed. */
  setEndpoints(endpoints: readonly string[]): void;
  /** Releases every connection; later calls fail with kind `closed`. */
  close(): void;
}

/** Options of {@linkcode createEtcdAdminClient}. */
export interface EtcdAdminOptions {
  /** Client URLs (`http://h:p`) or `host:port`s of members for cluster calls. */
  endpoints: readonly string[];
  /** Deadline of each attempt in ms; default 3000. */
  timeoutMs?: number;
  /** Deadline of a linearizable read in ms; default 2000. */
  readTimeoutMs?: number;
  logger?: Logger;
}

/** The key read by {@linkcode EtcdAdmin.linearizableRead}. */
export const PROBE_KEY = "etcd-mesos/health-probe";

type Policy = NonNullable<NonNullable<IOptions["faultHandling"]>["global"]>;

/** A fault policy that runs the call once: we do our own endpoint iteration. */
const ONCE = {
  execute: (fn: (ctx: { signal: AbortSignal; attempt: number }) => unknown) =>
    fn({ signal: new AbortController().signal, attempt: 0 }),
} as unknown as Policy;

/** `http://h:p/` or `h:p` → `h:p`. */
export function normalizeEndpoint(endpoint: string): string {
  const trimmed = endpoint.trim().replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  if (trimmed === "" || !/:\d+$/.test(trimmed)) {
    throw new TypeError(
      `Cannot use etcd endpoint ${JSON.stringify(endpoint)}: expected http://host:port`,
    );
  }
  return trimmed;
}

function toMember(m: IMember): EtcdMember {
  return {
    id: String(m.ID),
    name: m.name ?? "",
    peerUrls: [...(m.peerURLs ?? [])],
    clientUrls: [...(m.clientURLs ?? [])],
    isLearner: Boolean(m.isLearner),
  };
}

/** One gRPC call with its deadline (ms since the epoch). */
type EtcdCall<T> = (client: Etcd3, options: { deadline: number }) => Promise<T>;

/** Kinds after which another endpoint may serve the call. */
const RETRY_ELSEWHERE: ReadonlySet<EtcdAdminErrorKind> = new Set(["unavailable", "learner-rpc"]);

class EtcdAdminClient implements EtcdAdmin {
  #endpoints: string[];
  #clients = new Map<string, Etcd3>();
  #timeoutMs: number;
  #readTimeoutMs: number;
  #log: Logger;
  #closed = false;
  #preferred: string | undefined;

  constructor(options: EtcdAdminOptions) {
    this.#endpoints = options.endpoints.map(normalizeEndpoint);
    this.#timeoutMs = positive("timeoutMs", options.timeoutMs ?? 3000);
    this.#readTimeoutMs = positive("readTimeoutMs", options.readTimeoutMs ?? 2000);
    this.#log = options.logger ?? silentLogger;
  }

  setEndpoints(endpoints: readonly string[]): void {
    const next = endpoints.map(normalizeEndpoint);
    for (const [endpoint, client] of this.#clients) {
      if (!next.includes(endpoint)) {
        client.close();
        this.#clients.delete(endpoint);
      }
    }
    this.#endpoints = next;
  }

  close(): void {
    this.#closed = true;
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  async status(endpoint: string): Promise<EtcdMemberStatus> {
    const ep = normalizeEndpoint(endpoint);
    const s = await this.#once("status", ep, this.#timeoutMs, (c, o) => c.maintenance.status(o));
    return {
      endpoint: ep,
      memberId: String(s.header.member_id),
      leader: String(s.leader),
      raftIndex: String(s.raftIndex),
      raftAppliedIndex: String(s.raftAppliedIndex ?? "0"),
      raftTerm: String(s.raftTerm),
      isLearner: Boolean(s.isLearner),
      dbSize: Number(s.dbSize),
      version: s.version,
      errors: [...(s.errors ?? [])],
    };
  }

  async hashKV(endpoint: string, revision?: string): Promise<EtcdHashKV> {
    const ep = normalizeEndpoint(endpoint);
    const r = await this.#once(
      "hashKV",
      ep,
      this.#timeoutMs,
      (c, o) =>
        rawExec<IHashKVResponse>(c, "Maintenance", "HashKV", { revision: revision ?? "0" }, o),
    );
    return {
      endpoint: ep,
      memberId: String(r.header.member_id),
      hash: String(r.hash),
      revision: revision ?? String(r.header.revision),
      compactRevision: String(r.compact_revision),
    };
  }

  async memberList(options: ClusterCallOptions = {}): Promise<EtcdMember[]> {
    const r = await this.#cluster(
      "memberList",
      options,
      true,
      (c, o) => c.cluster.memberList({}, o),
    );
    return r.members.map(toMember);
  }

  async addLearner(
    peerUrls: readonly string[],
    options: ClusterCallOptions = {},
  ): Promise<AddMemberResult> {
    if (peerUrls.length === 0) {
      throw new TypeError("Cannot add an etcd member without peer URLs: got []");
    }
    const peerURLs = [...peerUrls];
    try {
      const r = await this.#cluster(
        "memberAdd",
        options,
        false,
        (c, o) => c.cluster.memberAdd({ peerURLs, isLearner: true }, o),
      );
      const member = toMember(r.member);
      if (!member.isLearner) {
        this.#log.warn("etcd added a voting member: learners unsupported", { id: member.id });
      }
      return { member, members: r.members.map(toMember), learner: member.isLearner };
    } catch (err) {
      if (!(err instanceof EtcdAdminError) || err.kind !== "unimplemented") throw err;
      this.#log.warn("etcd has no learners; adding a voting member", { peerUrls: peerURLs });
      const r = await this.#cluster(
        "memberAdd",
        options,
        false,
        (c, o) => c.cluster.memberAdd({ peerURLs }, o),
      );
      return { member: toMember(r.member), members: r.members.map(toMember), learner: false };
    }
  }

  async promote(memberId: string, options: ClusterCallOptions = {}): Promise<EtcdMember[]> {
    const ID = checkId(memberId);
    const r = await this.#cluster(
      "memberPromote",
      options,
      false,
      (c, o) => c.cluster.memberPromote({ ID }, o),
    );
    return r.members.map(toMember);
  }

  async remove(memberId: string, options: ClusterCallOptions = {}): Promise<EtcdMember[]> {
    const ID = checkId(memberId);
    const r = await this.#cluster(
      "memberRemove",
      options,
      false,
      (c, o) => c.cluster.memberRemove({ ID }, o),
    );
    return r.members.map(toMember);
  }

  async linearizableRead(options: ClusterCallOptions = {}): Promise<LinearizableReadResult> {
    const r = await this.#cluster(
      "linearizableRead",
      options,
      true,
      (c, o) => c.kv.range({ key: Buffer.from(PROBE_KEY), limit: 1 }, o),
      this.#readTimeoutMs,
    );
    return {
      memberId: String(r.header.member_id),
      revision: String(r.header.revision),
      raftTerm: String(r.header.raft_term),
    };
  }

  /** Tries the endpoints in turn, starting with the last one that answered. */
  async #cluster<T>(
    op: string,
    options: ClusterCallOptions,
    readOnly: boolean,
    call: EtcdCall<T>,
    timeoutMs = this.#timeoutMs,
  ): Promise<T> {
    const given = options.endpoints ? options.endpoints.map(normalizeEndpoint) : this.#endpoints;
    if (given.length === 0) {
      throw new EtcdAdminError(op, undefined, "unavailable", "no endpoints configured");
    }
    const order = this.#preferred !== undefined && given.includes(this.#preferred)
      ? [this.#preferred, ...given.filter((e) => e !== this.#preferred)]
      : given;
    let last: EtcdAdminError | undefined;
    for (const endpoint of order) {
      try {
        const result = await this.#once(op, endpoint, timeoutMs, call);
        this.#preferred = endpoint;
        return result;
      } catch (err) {
        last = toAdminError(op, endpoint, err);
        const again = RETRY_ELSEWHERE.has(last.kind) || (readOnly && last.kind === "timeout") ||
          (readOnly && last.kind === "no-leader");
        if (!again) throw last;
        this.#log.debug("etcd call failed; trying next endpoint", { op, endpoint, err: last });
      }
    }
    throw last!;
  }

  /** One call against one endpoint with a deadline enforced on both sides. */
  async #once<T>(
    op: string,
    endpoint: string,
    timeoutMs: number,
    call: EtcdCall<T>,
  ): Promise<T> {
    if (this.#closed) throw new EtcdAdminError(op, endpoint, "closed", "client closed");
    const client = this.#client(endpoint);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new EtcdAdminError(op, endpoint, "timeout", `no answer within ${timeoutMs} ms`)),
        timeoutMs + 50,
      );
    });
    const pending = call(client, { deadline: Date.now() + timeoutMs });
    pending.catch(() => {}); // a late failure after our timeout is not unhandled
    try {
      return await Promise.race([pending, timeout]);
    } catch (err) {
      throw toAdminError(op, endpoint, err);
    } finally {
      clearTimeout(timer);
    }
  }

  #client(endpoint: string): Etcd3 {
    let client = this.#clients.get(endpoint);
    if (client === undefined) {
      client = new Etcd3({
        hosts: [endpoint],
        dialTimeout: this.#timeoutMs,
        faultHandling: { global: ONCE, host: () => ONCE },
      });
      this.#clients.set(endpoint, client);
    }
    return client;
  }
}

/**
 * Calls a gRPC method through the client's connection pool by its proto name. etcd3 1.1.2
 * calls `hashKV`, but the generated gRPC stub is named `HashKV`/`hashKv`, so
 * `maintenance.hashKV()` always fails with "client[method] is not a function".
 */
function rawExec<T>(
  client: Etcd3,
  service: string,
  method: string,
  payload: unknown,
  options: { deadline: number },
): Promise<T> {
  const pool = (client.maintenance as unknown as {
    client: { exec(s: string, m: string, p: unknown, o: unknown): Promise<T> };
  }).client;
  return pool.exec(service, method, payload, options);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Cannot use etcd admin ${name} ${value}: expected a positive number`);
  }
  return value;
}

function checkId(memberId: string): string {
  if (!/^[1-9][0-9]{0,19}$/.test(memberId) || BigInt(memberId) >= 2n ** 64n) {
    throw new TypeError(
      `Cannot use etcd member id ${JSON.stringify(memberId)}: expected a decimal uint64`,
    );
  }
  return memberId;
}

/**
 * Creates an {@linkcode EtcdAdmin} over `npm:etcd3`. Connections are opened lazily, one
 * per endpoint, and released by `close()`.
 *
 * @example
 * ```ts
 * const etcd = createEtcdAdminClient({ endpoints: ["http://127.0.0.1:2379"] });
 * const s = await etcd.status("http://127.0.0.1:2379");
 * etcd.close();
 * ```
 * @throws {TypeError} naming an endpoint that is not `host:port`.
 * @throws {RangeError} naming a non-positive timeout.
 */
export function createEtcdAdminClient(options: EtcdAdminOptions): EtcdAdmin {
  return new EtcdAdminClient(options);
}
