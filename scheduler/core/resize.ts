/**
 * Runtime resize (pure): an operator's `POST /cluster-size` sets the desired size, which is
 * persisted (ZooKeeper, through the `persistClusterSize` effect) and then reached by the
 * normal plan one member at a time: growing adds learners, shrinking retires the newest
 * follower first (`planNext` never picks the leader while another member is left).
 *
 * @module
 */
import { type Ctx, log } from "./context.ts";

/** The sizes etcd-mesos runs: odd, 1 to 9. */
export const MIN_CLUSTER_SIZE = 1;
export const MAX_CLUSTER_SIZE = 9;

/** Why `size` is not a cluster size, naming it; undefined when it is one. */
export function clusterSizeProblem(size: unknown): string | undefined {
  if (typeof size !== "number" || !Number.isInteger(size)) {
    return `Cannot resize to ${JSON.stringify(size)}: expected an odd integer 1..9`;
  }
  if (size < MIN_CLUSTER_SIZE || size > MAX_CLUSTER_SIZE || size % 2 === 0) {
    return `Cannot resize to ${size}: expected an odd integer 1..9`;
  }
  return undefined;
}

/** An operator's resize: decided at once (the `adminReply`), reached by later steps. */
export function onResize(ctx: Ctx, size: number, requestId: number | undefined): void {
  const { s } = ctx;
  const reply = (accepted: boolean, message: string): void => {
    ctx.fx.push({ type: "adminReply", requestId, accepted, message });
  };
  const problem = clusterSizeProblem(size);
  if (problem !== undefined) return reply(false, problem);
  if (s.reseed !== undefined || s.lost) {
    return reply(false, "not while the cluster is being reseeded or restored");
  }
  const from = s.options.clusterSize;
  s.options.clusterSize = size;
  ctx.fx.push({ type: "persistClusterSize", size });
  log(ctx, "warn", "cluster size changed by an operator", { from, to: size });
  const how = size > from
    ? `adding ${size - from} member(s) one at a time`
    : size < from
    ? `removing ${from - size} member(s) one at a time, followers first`
    : "nothing to do";
  reply(true, `cluster size ${from} -> ${size}: ${how}`);
}
