/**
 * Persistent volumes (pure): the resources of the one ACCEPT that reserves a member's cpus,
 * mem, disk and ports, creates its volume and launches it; recognising, in a later offer,
 * what is reserved for a member (by its labels) and its volume, for a relaunch in place; and
 * finding labelled reservations nobody expects any more, to DESTROY and UNRESERVE them.
 *
 * Reservations use the refined format (Mesos 1.12 `reservations` stack, the
 * RESERVATION_REFINEMENT capability): one DYNAMIC entry for the framework's role is pushed on
 * top of whatever the resource carried, labelled with the framework id and the member name.
 *
 * @module
 */
import type { Label, Offer, ReservationInfo, Resource } from "../../lib/mesos/types.ts";
import type { MemberLaunch } from "./effects.ts";
import { type Allocation, fitOffer, type MemberNeeds } from "./placement.ts";

/** Persistent volume settings of the core (absent: volumes off). */
export interface VolumeOptions {
  /** The role reservations are made for (`--role`, never `*`). */
  role: string;
  /** The framework's principal, put on reservations and volumes when configured. */
  principal?: string;
  /** How long a member waits to be relaunched in place before it is replaced (ms). */
  relaunchTimeoutMs: number;
}

/** Keys of the labels on a member's reservations. */
export const VOLUME_LABEL = {
  framework: "etcd_mesos_framework",
  member: "etcd_mesos_member",
} as const;

/** Where the volume appears in the sandbox: the executor's etcd data dir. */
export const VOLUME_CONTAINER_PATH = "etcd_data";

/** What the scheduler keeps (in ZooKeeper, written before the ACCEPT) about a member's volume. */
export interface VolumeRecord {
  member: string;
  agentId: string;
  hostname: string;
  persistenceId: string;
  peerPort: number;
  clientPort: number;
  /** The labels of its reservations. */
  labels: Label[];
  /** Relaunches in place so far (the task id's incarnation). */
  incarnation: number;
  /** Set while its task is not running: past this the member is replaced elsewhere. */
  relaunchBy?: number;
  /** When it was last relaunched (relaunches are spaced so a probe can look in between). */
  relaunchedAt?: number;
  /** Why its volume cannot come back (agent removed, task gone): replace at once. */
  givenUp?: string;
  /**
   * The last raft index its member reported, kept while its task is not running: a reseed
   * ranks it with the survivors (see `reseed_volumes.ts`).
   */
  raftIndex?: string;
}

/** The RESERVE and CREATE that go before a first launch with a volume. */
export interface VolumeOps {
  reserve: Resource[];
  create: Resource[];
}

/** The labels of `member`'s reservations. */
export function reservationLabels(frameworkId: string, member: string): Label[] {
  return [
    { key: VOLUME_LABEL.framework, value: frameworkId },
    { key: VOLUME_LABEL.member, value: member },
  ];
}

/** `r` with a DYNAMIC reservation for the role pushed on its `reservations` stack. */
export function reservedResource(r: Resource, o: VolumeOptions, labels: Label[]): Resource {
  const { role: _role, reservation: _old, ...rest } = structuredClone(r);
  const entry: ReservationInfo = {
    type: "DYNAMIC",
    role: o.role,
    ...(o.principal !== undefined ? { principal: o.principal } : {}),
    labels: { labels: structuredClone(labels) },
  };
  return { ...rest, reservations: [...(rest.reservations ?? []), entry] };
}

/** The reserved disk `disk` as a persistent volume `id`, mounted RW at `etcd_data`. */
export function volumeResource(disk: Resource, id: string, principal?: string): Resource {
  return {
    ...structuredClone(disk),
    disk: {
      ...(disk.disk?.source !== undefined ? { source: structuredClone(disk.disk.source) } : {}),
      persistence: principal === undefined ? { id } : { id, principal },
      volume: { mode: "RW", container_path: VOLUME_CONTAINER_PATH },
    },
  };
}

/** The persistence id of a member's volume: framework, member and a unique part. */
export function persistenceIdOf(frameworkId: string, member: string, unique: number): string {
  return `${frameworkId}-${member}-${unique.toString(36)}`;
}

/**
 * Turns a plain first launch into one on reserved resources and a new volume: the RESERVE of
 * everything it uses (task and executor), the CREATE of its disk as a volume, and the task
 * using the volume. Also the record to persist before the ACCEPT. Without disk there is no
 * volume: `undefined`.
 */
export function withVolume(
  launch: MemberLaunch,
  o: VolumeOptions,
  ids: { frameworkId: string; unique: number },
): { launch: MemberLaunch; record: VolumeRecord } | undefined {
  const disk = launch.taskResources.find((r) => r.name === "disk");
  if (disk === undefined) return undefined;
  const labels = reservationLabels(ids.frameworkId, launch.name);
  const reserve = (rs: Resource[]) => rs.map((r) => reservedResource(r, o, labels));
  const persistenceId = persistenceIdOf(ids.frameworkId, launch.name, ids.unique);
  const volume = volumeResource(reservedResource(disk, o, labels), persistenceId, o.principal);
  const taskResources = launch.taskResources.map((r) =>
    r === disk ? volume : reservedResource(r, o, labels)
  );
  return {
    launch: {
      ...launch,
      config: { ...launch.config, volume: VOLUME_CONTAINER_PATH },
      taskResources,
      executorResources: reserve(launch.executorResources),
      volume: {
        reserve: reserve([...launch.executorResources, ...launch.taskResources]),
        create: [volume],
      },
    },
    record: {
      member: launch.name,
      agentId: launch.agentId,
      hostname: launch.hostname,
      persistenceId,
      peerPort: launch.peerPort,
      clientPort: launch.clientPort,
      labels,
      incarnation: 0,
    },
  };
}

/** The value of label `key` on the top reservation of `r`, if any. */
function topLabel(r: Resource, key: string): string | undefined {
  const top = r.reservations?.at(-1) ?? r.reservation;
  return top?.labels?.labels?.find((l) => l.key === key)?.value;
}

/** The framework and member a resource is reserved for by this framework's labels. */
export function reservedMember(r: Resource): { frameworkId: string; member: string } | undefined {
  const frameworkId = topLabel(r, VOLUME_LABEL.framework);
  const member = topLabel(r, VOLUME_LABEL.member);
  return frameworkId === undefined || member === undefined ? undefined : { frameworkId, member };
}

/** The resources of `offer` reserved for `record`'s member by framework `frameworkId`. */
export function reservedFor(offer: Offer, frameworkId: string, record: VolumeRecord): Resource[] {
  return (offer.resources ?? []).filter((r) => {
    const who = reservedMember(r);
    return who?.frameworkId === frameworkId && who.member === record.member;
  });
}

/**
 * The allocation of a relaunch in place from `offer`: the member's reserved cpus, mem and its
 * two ports (the same as before) and its volume. `undefined` with why when the offer does not
 * hold them.
 */
export function relaunchAllocation(
  offer: Offer,
  frameworkId: string,
  record: VolumeRecord,
  needs: MemberNeeds,
): { ok: true; allocation: Allocation } | { ok: false; reason: string } {
  if (offer.agent_id.value !== record.agentId) return { ok: false, reason: "another agent" };
  const mine = reservedFor(offer, frameworkId, record);
  const volume = mine.find((r) => r.disk?.persistence?.id === record.persistenceId);
  if (volume === undefined) {
    return { ok: false, reason: `volume ${record.persistenceId} not offered` };
  }
  const plain = mine.filter((r) => r.disk === undefined);
  const fit = fitOffer({ ...offer, resources: plain }, { ...needs, diskMb: 0 });
  if (!fit.ok) return { ok: false, reason: `reserved resources: ${fit.reason}` };
  const a = fit.allocation;
  if (a.peerPort !== record.peerPort || a.clientPort !== record.clientPort) {
    return {
      ok: false,
      reason:
        `reserved ports ${a.peerPort},${a.clientPort} are not ${record.peerPort},${record.clientPort}`,
    };
  }
  return {
    ok: true,
    allocation: { ...a, taskResources: [...a.taskResources, structuredClone(volume)] },
  };
}

/** Labelled resources of an offer that nobody expects: volumes to destroy, then unreserve. */
export interface StrayReservations {
  destroy: Resource[];
  unreserve: Resource[];
  /** The members they were reserved for, for the log. */
  members: string[];
}

/**
 * The resources of `offer` reserved by framework `frameworkId` for a member that has no
 * record on this agent (replaced, reseeded, or left by a crash before its record was
 * written), or a volume that is not the member's recorded one. Members in `keep` (still
 * running or in etcd's membership) are never cleaned up, whatever the records say.
 * `undefined` when none.
 */
export function strayReservations(
  offer: Offer,
  frameworkId: string,
  records: readonly VolumeRecord[],
  keep: ReadonlySet<string> = new Set(),
): StrayReservations | undefined {
  const out: StrayReservations = { destroy: [], unreserve: [], members: [] };
  for (const r of offer.resources ?? []) {
    const who = reservedMember(r);
    if (who === undefined || who.frameworkId !== frameworkId || keep.has(who.member)) continue;
    const record = records.find((x) =>
      x.member === who.member && x.agentId === offer.agent_id.value
    );
    const persistence = r.disk?.persistence?.id;
    if (
      record !== undefined && (persistence === undefined || persistence === record.persistenceId)
    ) {
      continue;
    }
    if (!out.members.includes(who.member)) out.members.push(who.member);
    const copy = structuredClone(r);
    if (persistence !== undefined) {
      out.destroy.push(structuredClone(r));
      const { persistence: _p, volume: _v, ...disk } = copy.disk ?? {};
      if (Object.keys(disk).length > 0) copy.disk = disk;
      else delete copy.disk;
    }
    out.unreserve.push(copy);
  }
  return out.unreserve.length > 0 ? out : undefined;
}

/**
 * `offer` with only its unreserved resources: what a first launch on a volume may RESERVE
 * (reserved resources — another member's, or the role's — cannot be reserved again).
 */
export function unreservedOnly(offer: Offer): Offer {
  const free = (offer.resources ?? []).filter((r) =>
    (r.reservations ?? []).length === 0 && r.reservation === undefined &&
    (r.role === undefined || r.role === "*")
  );
  return { ...offer, resources: free };
}
