/**
 * The cluster as maintenance sees it, from the core's state and the probes' latest
 * measurements (pure): the running members etcd knows (id, client URL, role, reachability,
 * db sizes), whether the core may change things, and whether the cluster is healthy.
 *
 * @module
 */
import { clientUrl } from "../../contract/member_config.ts";
import { phaseOf, runningMembers, type State } from "../core/state.ts";
import type { MaintenanceInput, MaintenanceMember } from "./plan.ts";

/** A member's latest sizes (see `admin/samples.ts`). */
export interface MeasuredSizes {
  dbSize?: number;
  dbSizeInUse?: number;
}

/**
 * The maintenance input of `state` without the alarms. Mutable only when the core is, with no
 * membership change in flight.
 */
export function clusterView(
  state: State,
  sizes: ReadonlyMap<string, MeasuredSizes>,
): Omit<MaintenanceInput, "alarms"> {
  const members: MaintenanceMember[] = [];
  for (const m of runningMembers(state)) {
    if (m.memberId === undefined) continue;
    const measured = sizes.get(m.name);
    members.push({
      name: m.name,
      memberId: m.memberId,
      clientUrl: clientUrl(m.hostname, m.clientPort),
      leader: m.memberId === state.health.leaderId,
      learner: m.learner,
      reachable: m.reachable === true,
      ...(measured?.dbSize === undefined ? {} : { dbSize: measured.dbSize }),
      ...(measured?.dbSizeInUse === undefined ? {} : { dbSizeInUse: measured.dbSizeInUse }),
    });
  }
  return {
    members,
    mutable: phaseOf(state) === "mutable" && state.change === undefined,
    healthy: state.health.healthy,
  };
}
