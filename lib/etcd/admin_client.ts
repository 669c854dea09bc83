/**
 * The {@linkcode EtcdAdmin} of the scheduler over `npm:etcd3`: per-member status and KV
 * hash, membership (learner add, promote, remove) and a quorum read, each mapped to its
 * etcd RPC. How a call reaches an endpoint (deadlines, one client per endpoint, trying the
 * next endpoint) is endpoints.ts; the interface and its answers are admin.ts.
 *
 * Per-member calls (`status`, `hashKV`) talk to exactly that endpoint; cluster calls try
 * the configured endpoints one by one.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Etcd3, IHashKVResponse, IMember } from "etcd3";
import { type Logger, silentLogger } from "../log.ts";
import {
  type AddMemberResult,
  type ClusterCallOptions,
  type EtcdAdmin,
  type EtcdHashKV,
  type EtcdMember,
  type EtcdMemberStatus,
  type LinearizableReadResult,
  PROBE_KEY,
} from "./admin.ts";
import { EtcdAdminError } from "./admin_errors.ts";
import {
  EtcdEndpoints,
  type EtcdEndpointsOptions,
  normalizeEndpoint,
  positiveTimeout,
} from "./endpoints.ts";

/** Options of {@linkcode createEtcdAdminClient}. */
export interface EtcdAdminOptions {
  /** Client URLs (`http://h:p`) or `host:port`s of members for cluster calls. */
  endpoints: readonly string[];
  /** Deadline of each attempt in ms; default 3000. */
  timeoutMs?: number;
  /** Deadline of a linearizable read in ms; default 2000. */
  readTimeoutMs?: number;
  logger?: Logger;
  /** The client's TLS identity, read before each new connection (see endpoints.ts). */
  tls?: EtcdEndpointsOptions["tls"];
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
export function createEtcdAdminClient(
  options: EtcdAdminOptions,
): EtcdAdmin & Pick<Required<EtcdAdmin>, "moveLeader"> {
  return new EtcdAdminClient(options);
}

class EtcdAdminClient implements EtcdAdmin {
  #endpoints: EtcdEndpoints;
  #readTimeoutMs: number;
  #log: Logger;

  constructor(options: EtcdAdminOptions) {
    this.#log = options.logger ?? silentLogger;
    this.#endpoints = new EtcdEndpoints({
      endpoints: options.endpoints,
      timeoutMs: options.timeoutMs ?? 3000,
      logger: this.#log,
      ...(options.tls ? { tls: options.tls } : {}),
    });
    this.#readTimeoutMs = positiveTimeout("readTimeoutMs", options.readTimeoutMs ?? 2000);
  }

  setEndpoints(endpoints: readonly string[]): void {
    this.#endpoints.setEndpoints(endpoints);
  }

  close(): void {
    this.#endpoints.close();
  }

  async status(endpoint: string): Promise<EtcdMemberStatus> {
    const ep = normalizeEndpoint(endpoint);
    const s = await this.#endpoints.call(ep, (c, o) => c.maintenance.status(o), { op: "status" });
    return {
      endpoint: ep,
      memberId: String(s.header.member_id),
      leader: String(s.leader),
      raftIndex: String(s.raftIndex),
      raftAppliedIndex: String(s.raftAppliedIndex ?? "0"),
      raftTerm: String(s.raftTerm),
      isLearner: Boolean(s.isLearner),
      dbSize: Number(s.dbSize),
      dbSizeInUse: Number(s.dbSizeInUse ?? s.dbSize),
      version: s.version,
      errors: [...(s.errors ?? [])],
    };
  }

  async hashKV(endpoint: string, revision?: string): Promise<EtcdHashKV> {
    const ep = normalizeEndpoint(endpoint);
    const r = await this.#endpoints.call(
      ep,
      (c, o) =>
        rawExec<IHashKVResponse>(c, "Maintenance", "HashKV", { revision: revision ?? "0" }, o),
      { op: "hashKV" },
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
    const r = await this.#endpoints.callCluster(
      (c, o) => c.cluster.memberList({}, o),
      { op: "memberList", readOnly: true, endpoints: options.endpoints },
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
      const r = await this.#endpoints.callCluster(
        (c, o) => c.cluster.memberAdd({ peerURLs, isLearner: true }, o),
        { op: "memberAdd", readOnly: false, endpoints: options.endpoints },
      );
      const member = toMember(r.member);
      if (!member.isLearner) {
        this.#log.warn("etcd added a voting member: learners unsupported", { id: member.id });
      }
      return { member, members: r.members.map(toMember), learner: member.isLearner };
    } catch (err) {
      if (!(err instanceof EtcdAdminError) || err.kind !== "unimplemented") throw err;
      this.#log.warn("etcd has no learners; adding a voting member", { peerUrls: peerURLs });
      const r = await this.#endpoints.callCluster(
        (c, o) => c.cluster.memberAdd({ peerURLs }, o),
        { op: "memberAdd", readOnly: false, endpoints: options.endpoints },
      );
      return { member: toMember(r.member), members: r.members.map(toMember), learner: false };
    }
  }

  async promote(memberId: string, options: ClusterCallOptions = {}): Promise<EtcdMember[]> {
    const ID = checkId(memberId);
    const r = await this.#endpoints.callCluster(
      (c, o) => c.cluster.memberPromote({ ID }, o),
      { op: "memberPromote", readOnly: false, endpoints: options.endpoints },
    );
    return r.members.map(toMember);
  }

  async remove(memberId: string, options: ClusterCallOptions = {}): Promise<EtcdMember[]> {
    const ID = checkId(memberId);
    const r = await this.#endpoints.callCluster(
      (c, o) => c.cluster.memberRemove({ ID }, o),
      { op: "memberRemove", readOnly: false, endpoints: options.endpoints },
    );
    return r.members.map(toMember);
  }

  async moveLeader(leaderEndpoint: string, targetMemberId: string): Promise<void> {
    const ep = normalizeEndpoint(leaderEndpoint);
    const targetID = checkId(targetMemberId);
    await this.#endpoints.call(ep, (c, o) => c.maintenance.moveLeader({ targetID }, o), {
      op: "moveLeader",
    });
  }

  async linearizableRead(options: ClusterCallOptions = {}): Promise<LinearizableReadResult> {
    const r = await this.#endpoints.callCluster(
      (c, o) => c.kv.range({ key: Buffer.from(PROBE_KEY), limit: 1 }, o),
      {
        op: "linearizableRead",
        readOnly: true,
        timeoutMs: this.#readTimeoutMs,
        endpoints: options.endpoints,
      },
    );
    return {
      memberId: String(r.header.member_id),
      revision: String(r.header.revision),
      raftTerm: String(r.header.raft_term),
    };
  }
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

function checkId(memberId: string): string {
  if (!/^[1-9][0-9]{0,19}$/.test(memberId) || BigInt(memberId) >= 2n ** 64n) {
    throw new TypeError(
      `Cannot use etcd member id ${JSON.stringify(memberId)}: expected a decimal uint64`,
    );
  }
  return memberId;
}
