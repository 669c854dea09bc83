/**
 * Performs the core's effects: Mesos calls (sent one after another, in the order the core
 * produced them), etcd membership calls and probes (in the background, answered as inputs),
 * framework id persistence, logs and the timer. Failures are logged and turned into inputs
 * where the core expects an answer; nothing here throws at the caller.
 *
 * @module
 */
import type { EtcdAdmin, EtcdMember } from "../lib/etcd/admin.ts";
import { EtcdAdminError } from "../lib/etcd/admin_errors.ts";
import type { Logger } from "../lib/log.ts";
import {
  accept,
  acceptLaunch,
  acknowledge,
  decline,
  kill,
  launch,
  message,
  type OfferOperation,
  reconcile,
  revive,
  type SchedulerCall,
  suppress,
} from "../lib/mesos/calls.ts";
import { NotSubscribedError } from "../lib/mesos/client_errors.ts";
import type { TaskInfo } from "../lib/mesos/types.ts";
import type { VolumeRecord } from "./core/volumes.ts";
import type { Effect, MemberLaunch } from "./core/effects.ts";
import type { EtcdOp, EtcdResultInput, Input } from "./core/inputs.ts";
import { errorText, memberView, probeMembers, withDeadline } from "./prober.ts";
import { encodeMaintenanceOrder } from "../contract/orders.ts";
import type { RollingRestartRecord } from "./core/rolling_restart_run.ts";
import { RollingRestartEffects } from "./rolling_restart_effects.ts";

/** How long the Mesos calls queued behind a volume record wait for ZooKeeper to take it. */
export const VOLUME_RECORD_BOUND_MS = 10_000;

/** The core's decision on an operator's request. */
export interface AdminDecision {
  accepted: boolean;
  /** What was decided, or why it was refused. */
  message: string;
}

/** What the runner needs from the rest of the scheduler. */
export interface EffectRunnerDeps {
  /** Sends one scheduler call (the client adds the framework and stream ids). */
  call(call: SchedulerCall): Promise<unknown>;
  etcd: EtcdAdmin;
  /** Feeds an answer back to the core. */
  feed(input: Input): void;
  /** The TaskInfo to launch for a member (adds the executor's command). */
  taskInfo(member: MemberLaunch): TaskInfo;
  /** Stores the framework id; absent for an ephemeral framework. */
  persistFrameworkId?: (id: string) => Promise<void>;
  /** Delivers a `tick` at `at` (ms since the epoch), replacing an earlier timer. */
  armTimer(at: number): void;
  /** Stores the cluster size an operator chose; absent for an ephemeral framework. */
  persistClusterSize?: (size: number) => Promise<void>;
  /** Stores the rolling restart's record; absent for an ephemeral framework. */
  persistRollingRestart?: (record: RollingRestartRecord) => Promise<void>;
  /**
   * Keeps members' volume records (ZooKeeper); absent for an ephemeral framework, whose
   * records live only in the core.
   */
  volumes?: {
    save(record: VolumeRecord): Promise<void>;
    forget(member: string): Promise<void>;
  };
  /** How long queued Mesos calls wait for a volume record; default {@linkcode VOLUME_RECORD_BOUND_MS}. */
  volumeRecordBoundMs?: number;
  /** Returns the core's decision on the admin request `requestId`. */
  adminReply?: (requestId: number | undefined, decision: AdminDecision) => void;
  logger: Logger;
  /** Deadline of each probe call in ms; default 5000. */
  probeTimeoutMs?: number;
  /** Refuse seconds for the unused part of an accepted offer; default 1. */
  acceptRefuseSeconds?: number;
}

/** Runs effects; see the module comment. */
export class EffectRunner {
  readonly #deps: EffectRunnerDeps;
  readonly #log: Logger;
  #mesos: Promise<void> = Promise.resolve();
  /** Members whose volume record could not be written: their first ACCEPT is not sent. */
  readonly #unrecorded = new Set<string>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #rolling: RollingRestartEffects;

  constructor(deps: EffectRunnerDeps) {
    this.#deps = deps;
    this.#log = deps.logger;
    this.#rolling = new RollingRestartEffects({
      etcd: deps.etcd,
      feed: (input) => deps.feed(input),
      persist: deps.persistRollingRestart,
      logger: deps.logger,
    });
  }

  /** Starts performing `effect`; returns at once. */
  run(effect: Effect): void {
    const d = this.#deps;
    switch (effect.type) {
      case "launch": {
        let task: TaskInfo;
        try {
          task = d.taskInfo(effect.member);
        } catch (error) {
          this.#log.error("cannot build the TaskInfo", { task: effect.member.taskId, error });
          return;
        }
        const refuseSeconds = d.acceptRefuseSeconds ?? 1;
        const ops = volumeOps(effect.member);
        const call = ops.length > 0
          ? accept([effect.offerId], [...ops, launch([task])], { refuseSeconds })
          : acceptLaunch([effect.offerId], [task], { refuseSeconds });
        // Intent first: never reserve what no record names (the task is then reported lost).
        const unrecorded = () => ops.length > 0 && this.#unrecorded.has(effect.member.name);
        this.#send(call, {
          task: effect.member.taskId,
          offer: effect.offerId,
        }, () => {
          // The master may or may not have the task: ask, and let the answer settle it.
          this.#send(reconcile([{ taskId: effect.member.taskId, agentId: effect.agentId }]), {
            task: effect.member.taskId,
          });
        }, unrecorded);
        return;
      }
      case "decline":
        return this.#send(decline(effect.offerIds, { refuseSeconds: effect.refuseSeconds }), {
          offers: effect.offerIds.length,
        });
      case "suppress":
        return this.#send(suppress());
      case "revive":
        return this.#send(revive());
      case "kill":
        this.#log.warn("killing task", { task: effect.taskId, reason: effect.reason });
        return this.#send(
          kill(effect.taskId, {
            agentId: effect.agentId || undefined,
            ...(effect.graceMs !== undefined ? { gracePeriodMs: effect.graceMs } : {}),
          }),
          { task: effect.taskId },
        );
      case "acknowledge": {
        let call: SchedulerCall;
        try {
          call = acknowledge(effect.status);
        } catch (error) {
          this.#log.warn("cannot acknowledge", { task: effect.status.task_id.value, error });
          return;
        }
        return this.#send(call, { task: effect.status.task_id.value });
      }
      case "reconcile":
        return this.#send(reconcile(effect.tasks), { tasks: effect.tasks.length });
      case "etcdAddLearner":
        return this.#etcd("addLearner", async () => {
          const r = await d.etcd.addLearner([effect.member.peerUrl], {
            endpoints: effect.endpoints,
          });
          return {
            memberId: r.member.id,
            learner: r.learner,
            members: r.members.map(memberView),
          };
        }, { member: effect.member.name, peerUrl: effect.member.peerUrl });
      case "etcdPromote":
        return this.#etcd("promote", async () => ({
          members: viewsOf(await d.etcd.promote(effect.memberId, { endpoints: effect.endpoints })),
        }), { member: effect.name, memberId: effect.memberId });
      case "etcdRemove":
        this.#log.warn("removing etcd member", {
          member: effect.name,
          memberId: effect.memberId,
          reason: effect.reason,
        });
        return this.#etcd("remove", async () => ({
          members: viewsOf(await d.etcd.remove(effect.memberId, { endpoints: effect.endpoints })),
        }), { member: effect.name, memberId: effect.memberId });
      case "probe":
        // Forget connections to members that are gone (the admin client keeps one per endpoint).
        try {
          d.etcd.setEndpoints(effect.members.map((m) => m.clientUrl));
        } catch (error) {
          this.#log.warn("bad probe endpoint", { error });
        }
        this.#track(
          probeMembers(d.etcd, effect.members, { timeoutMs: d.probeTimeoutMs }).then((p) =>
            d.feed(p)
          ),
        );
        return;
      case "executorOrder": {
        const { order } = effect;
        this.#log.warn("sending executor order", {
          op: order.op,
          order: order.id,
          task: effect.taskId,
          executor: effect.executorId,
          reason: effect.reason,
        });
        const target = { agentId: effect.agentId, executorId: effect.executorId };
        return this.#send(message(target, encodeMaintenanceOrder(order)), {
          order: order.id,
          task: effect.taskId,
        }, () =>
          d.feed({
            type: "orderOutcome",
            orderId: order.id,
            taskId: effect.taskId,
            op: order.op,
            ok: false,
            message: "the MESSAGE call failed",
            undelivered: true,
          }));
      }
      case "persistFrameworkId":
        if (d.persistFrameworkId === undefined) {
          this.#log.info("ephemeral framework: id not persisted", {
            frameworkId: effect.frameworkId,
          });
          return;
        }
        this.#track(
          d.persistFrameworkId(effect.frameworkId).catch((error) =>
            this.#log.error("cannot persist the framework id", {
              frameworkId: effect.frameworkId,
              error,
            })
          ),
        );
        return;
      case "log":
        this.#log[effect.level](effect.msg, effect.fields);
        return;
      case "armTimer":
        d.armTimer(effect.at);
        return;
      case "persistClusterSize":
        if (d.persistClusterSize === undefined) {
          this.#log.warn("the cluster size is not persisted (ephemeral)", { size: effect.size });
          return;
        }
        this.#track(
          d.persistClusterSize(effect.size).catch((error) =>
            this.#log.error("cannot persist the cluster size", { size: effect.size, error })
          ),
        );
        return;
      case "persistVolume":
      case "forgetVolume":
        return this.#volumeRecord(effect);
      case "cleanupVolumes": {
        const { destroy, unreserve } = effect.stray;
        const ops = [
          ...(destroy.length > 0
            ? [{ type: "DESTROY" as const, destroy: { volumes: destroy } }]
            : []),
          { type: "UNRESERVE" as const, unreserve: { resources: unreserve } },
        ];
        return this.#send(accept([effect.offerId], ops, { refuseSeconds: 1 }), {
          offer: effect.offerId,
          members: effect.stray.members.join(","),
        });
      }
      case "adminReply":
        d.adminReply?.(effect.requestId, { accepted: effect.accepted, message: effect.message });
        return;
      case "etcdMoveLeader":
      case "persistRollingRestart":
        this.#track(this.#rolling.run(effect));
        return;
      default: {
        const never: never = effect;
        this.#log.error("unknown effect ignored", { effect: JSON.stringify(never) });
      }
    }
  }

  /**
   * Writes or deletes a volume record in the Mesos call queue, so the calls after it (the
   * ACCEPT that reserves) wait for it — for at most {@linkcode VOLUME_RECORD_BOUND_MS}: with
   * ZooKeeper down, acknowledgements, kills and declines must not wait behind it. A record
   * not written in time counts as not written (its reserving ACCEPT is not sent); the store
   * goes on retrying in the background, and the core holds the record meanwhile.
   */
  #volumeRecord(effect: Extract<Effect, { type: "persistVolume" | "forgetVolume" }>): void {
    const store = this.#deps.volumes;
    const member = effect.type === "persistVolume" ? effect.record.member : effect.member;
    const sent = this.#mesos.then(async () => {
      if (store === undefined) return;
      try {
        const write = effect.type === "persistVolume"
          ? store.save(effect.record)
          : store.forget(member);
        const bound = this.#deps.volumeRecordBoundMs ?? VOLUME_RECORD_BOUND_MS;
        await withDeadline(write, bound, "ZooKeeper");
        this.#unrecorded.delete(member);
      } catch (error) {
        this.#log.error(
          `cannot ${effect.type === "persistVolume" ? "write" : "delete"} the volume record`,
          {
            member,
            error,
          },
        );
        if (effect.type === "persistVolume") this.#unrecorded.add(member);
      }
    });
    this.#mesos = sent;
    this.#track(sent);
  }

  /** Resolves once every effect started so far has finished. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch((error) => this.#log.error("effect failed", { error }));
    this.#pending.add(tracked);
    tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Queues a Mesos call behind the earlier ones; failures are logged (and `onError` runs). */
  #send(
    call: SchedulerCall,
    fields: Record<string, unknown> = {},
    onError?: () => void,
    refuse?: () => boolean,
  ): void {
    const sent = this.#mesos.then(async () => {
      if (refuse?.()) {
        this.#log.error(`${call.type} not sent: the volume record was not written`, fields);
        onError?.();
        return;
      }
      try {
        await this.#deps.call(call);
        this.#log.debug("call sent", { call: call.type, ...fields });
      } catch (error) {
        const quiet = error instanceof NotSubscribedError;
        this.#log[quiet ? "warn" : "error"](`${call.type} failed`, { ...fields, error });
        onError?.();
      }
    });
    this.#mesos = sent;
    this.#track(sent);
  }

  #etcd(
    op: EtcdOp,
    perform: () => Promise<Omit<EtcdResultInput, "type" | "op" | "ok">>,
    fields: Record<string, unknown>,
  ): void {
    this.#track((async () => {
      let result: EtcdResultInput;
      try {
        result = { type: "etcdResult", op, ok: true, ...(await perform()) };
      } catch (error) {
        const errorKind = error instanceof EtcdAdminError ? error.kind : undefined;
        // The core logs the failure with its decision; this is the detail.
        this.#log.debug(`etcd ${op} failed`, { ...fields, error, kind: errorKind });
        result = { type: "etcdResult", op, ok: false, detail: errorText(error), errorKind };
      }
      this.#deps.feed(result);
    })());
  }
}

function viewsOf(members: EtcdMember[]) {
  return members.map(memberView);
}

/** The RESERVE and CREATE before a first launch with a volume (none otherwise). */
function volumeOps(member: MemberLaunch): OfferOperation[] {
  const v = member.volume;
  if (v === undefined) return [];
  return [
    { type: "RESERVE", reserve: { resources: v.reserve } },
    { type: "CREATE", create: { volumes: v.create } },
  ];
}
