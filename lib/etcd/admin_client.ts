/**
 * The {@linkcode EtcdAdmin} of the scheduler over etcd's JSON gateway (gateway.ts, no
 * gRPC): per-member status and KV hash, membership (learner add, promote, remove), leader
 * transfer and a quorum read, each mapped to its etcd call. How a call reaches an endpoint
 * (deadlines, one transport per endpoint, trying the next endpoint) is endpoints.ts; the
 * interface and its answers are admin.ts.
 *
 * Per-member calls (`status`, `hashKV`, `moveLeader`) talk to exactly that endpoint;
 * cluster calls try the configured endpoints one by one.
 *
 * @module
 */
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
import { EtcdGateway } from "./gateway.ts";
import { type GatewayHeader, type GatewayMember, toBase64 } from "./gateway_json.ts";
import { hashKeyspace } from "./keyspace_hash.ts";

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
 * Creates an {@linkcode EtcdAdmin} over etcd's JSON gateway. Connections are opened
 * lazily, one transport per endpoint, and released by `close()`.
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
  #endpoints: EtcdEndpoints<EtcdGateway>;
  #readTimeoutMs: number;
  #log: Logger;

  constructor(options: EtcdAdminOptions) {
    this.#log = options.logger ?? silentLogger;
    this.#endpoints = new EtcdEndpoints({
      endpoints: options.endpoints,
      timeoutMs: options.timeoutMs ?? 3000,
      logger: this.#log,
      ...(options.tls ? { tls: options.tls } : {}),
      connect: (endpoint, tls) => new EtcdGateway(endpoint, tls),
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
    const s = await this.#endpoints.call(
      ep,
      (g, o) => g.post<StatusAnswer>("maintenance/status", {}, o),
      { op: "status" },
    );
    const dbSize = Number(s.dbSize ?? 0);
    return {
      endpoint: ep,
      memberId: s.header?.member_id ?? "0",
      leader: s.leader ?? "0",
      raftIndex: s.raftIndex ?? "0",
      raftAppliedIndex: s.raftAppliedIndex ?? "0",
      raftTerm: s.raftTerm ?? "0",
      isLearner: s.isLearner === true,
      dbSize,
      // Left out when 0 and absent before etcd 3.4: the whole backend then.
      dbSizeInUse: Number(s.dbSizeInUse ?? dbSize),
      version: s.version ?? "",
      errors: [...(s.errors ?? [])],
    };
  }

  async hashKV(endpoint: string, revision?: string): Promise<EtcdHashKV> {
    const ep = normalizeEndpoint(endpoint);
    const r = await this.#endpoints.call(ep, (g, o) => hashKeyspace(g, revision, o), {
      op: "hashKV",
    });
    return { endpoint: ep, ...r };
  }

  async memberList(options: ClusterCallOptions = {}): Promise<EtcdMember[]> {
    const r = await this.#endpoints.callCluster(
      (g, o) => g.post<MembersAnswer>("cluster/member/list", {}, o),
      { op: "memberList", readOnly: true, endpoints: options.endpoints },
    );
    return (r.members ?? []).map(toMember);
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
        (g, o) => g.post<AddAnswer>("cluster/member/add", { peerURLs, isLearner: true }, o),
        { op: "memberAdd", readOnly: false, endpoints: options.endpoints },
      );
      const member = toMember(r.member ?? {});
      if (!member.isLearner) {
        this.#log.warn("etcd added a voting member: learners unsupported", { id: member.id });
      }
      return { member, members: (r.members ?? []).map(toMember), learner: member.isLearner };
    } catch (err) {
      if (!(err instanceof EtcdAdminError) || err.kind !== "unimplemented") throw err;
      this.#log.warn("etcd has no learners; adding a voting member", { peerUrls: peerURLs });
      const r = await this.#endpoints.callCluster(
        (g, o) => g.post<AddAnswer>("cluster/member/add", { peerURLs }, o),
        { op: "memberAdd", readOnly: false, endpoints: options.endpoints },
      );
      return {
        member: toMember(r.member ?? {}),
        members: (r.members ?? []).map(toMember),
        learner: false,
      };
    }
  }

  async promote(memberId: string, options: ClusterCallOptions = {}): Promise<EtcdMember[]> {
    const ID = checkId(memberId);
    const r = await this.#endpoints.callCluster(
      (g, o) => g.post<MembersAnswer>("cluster/member/promote", { ID }, o),
      { op: "memberPromote", readOnly: false, endpoints: options.endpoints },
    );
    return (r.members ?? []).map(toMember);
  }

  async remove(memberId: string, options: ClusterCallOptions = {}): Promise<EtcdMember[]> {
    const ID = checkId(memberId);
    const r = await this.#endpoints.callCluster(
      (g, o) => g.post<MembersAnswer>("cluster/member/remove", { ID }, o),
      { op: "memberRemove", readOnly: false, endpoints: options.endpoints },
    );
    return (r.members ?? []).map(toMember);
  }

  async moveLeader(leaderEndpoint: string, targetMemberId: string): Promise<void> {
    const ep = normalizeEndpoint(leaderEndpoint);
    const targetID = checkId(targetMemberId);
    await this.#endpoints.call(
      ep,
      (g, o) => g.post("maintenance/transfer-leadership", { targetID }, o),
      { op: "moveLeader" },
    );
  }

  async linearizableRead(options: ClusterCallOptions = {}): Promise<LinearizableReadResult> {
    const key = toBase64(PROBE_KEY);
    const r = await this.#endpoints.callCluster(
      (g, o) => g.post<{ header?: GatewayHeader }>("kv/range", { key, limit: 1 }, o),
      {
        op: "linearizableRead",
        readOnly: true,
        timeoutMs: this.#readTimeoutMs,
        endpoints: options.endpoints,
      },
    );
    return {
      memberId: r.header?.member_id ?? "0",
      revision: r.header?.revision ?? "0",
      raftTerm: r.header?.raft_term ?? "0",
    };
  }
}

/** maintenance/status; fields at their zero value are left out. */
interface StatusAnswer {
  header?: GatewayHeader;
  version?: string;
  dbSize?: string;
  dbSizeInUse?: string;
  leader?: string;
  raftIndex?: string;
  raftTerm?: string;
  raftAppliedIndex?: string;
  isLearner?: boolean;
  errors?: string[];
}

interface MembersAnswer {
  members?: GatewayMember[];
}

interface AddAnswer extends MembersAnswer {
  member?: GatewayMember;
}

function toMember(m: GatewayMember): EtcdMember {
  return {
    id: m.ID ?? "0",
    name: m.name ?? "",
    peerUrls: [...(m.peerURLs ?? [])],
    clientUrls: [...(m.clientURLs ?? [])],
    isLearner: m.isLearner === true,
  };
}

function checkId(memberId: string): string {
  if (!/^[1-9][0-9]{0,19}$/.test(memberId) || BigInt(memberId) >= 2n ** 64n) {
    throw new TypeError(
      `Cannot use etcd member id ${JSON.stringify(memberId)}: expected a decimal uint64`,
    );
  }
  return memberId;
}
