/**
 * The offer operations that change resources — RESERVE, UNRESERVE, CREATE, DESTROY — as a
 * Mesos 1.12 master checks and applies them (src/master/validation.cpp
 * `validation::operation`, src/common/resources_utils.cpp `getResourceConversions`,
 * src/common/resources.cpp `ResourceConversion::apply`). Pure: the caller drops an
 * operation with the returned message or applies the conversions to the offered pool and
 * to the agent's total.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { Resource } from "../../mesos/types.ts";
import { stringifyResource, stringifyResources } from "./format.ts";
import {
  addResources,
  containsResources,
  isDynamicallyReserved,
  isPersistentVolume,
  needCheckpointing,
  normalize,
  popReservation,
  reservationRole,
  resourceContains,
  subtractResources,
  unallocate,
} from "./resources.ts";
import { frameworkRoles, stringifySet } from "./roles.ts";
import {
  masterResourcesError,
  persistentVolumeError,
  resourcesError,
  singleAllocationRoleError,
  uniquePersistenceIdError,
} from "./validation.ts";

/** The operation types handled here. */
export type ResourceOperationType = "RESERVE" | "UNRESERVE" | "CREATE" | "DESTROY";

const FIELD: Record<ResourceOperationType, { field: string; list: string; article: string }> = {
  RESERVE: { field: "reserve", list: "resources", article: "A" },
  UNRESERVE: { field: "unreserve", list: "resources", article: "An" },
  CREATE: { field: "create", list: "volumes", article: "A" },
  DESTROY: { field: "destroy", list: "volumes", article: "A" },
};

/** True for RESERVE, UNRESERVE, CREATE and DESTROY. */
export function isResourceOperation(type: unknown): type is ResourceOperationType {
  return typeof type === "string" && type in FIELD;
}

/** One conversion: `consumed` is replaced by `converted`. */
export interface Conversion {
  consumed: Resource[];
  converted: Resource[];
}

/**
 * Mesos' `validateAndUpgradeResources` for one operation: the sub-message is present and
 * its resources are well-formed; returns them in the post-refinement format with the
 * offer's allocation role injected where the framework left it out (as the master does),
 * or the drop message ("Operation attempted with invalid resources: …").
 */
export function upgradeOperationResources(
  operation: Plain,
  allocationRole: string,
): { resources: Resource[] } | { error: string } {
  const type = operation.type as ResourceOperationType;
  const { field, list, article } = FIELD[type];
  const sub = operation[field];
  if (sub === undefined) {
    return {
      error: `Operation attempted with invalid resources: ${article} ${type} offer operation ` +
        `must have the Offer.Operation.${field} field set.`,
    };
  }
  const raw: Resource[] = sub[list] ?? [];
  const invalid = resourcesError(raw);
  if (invalid !== undefined) {
    return { error: `Operation attempted with invalid resources: ${invalid}` };
  }
  return {
    resources: raw.map((r) => {
      const upgraded = normalize([r])[0] ?? r;
      return upgraded.allocation_info === undefined
        ? { ...upgraded, allocation_info: { role: allocationRole } }
        : upgraded;
    }),
  };
}

/** What the operation checks besides its own resources. */
export interface OperationContext {
  /** FrameworkInfo of the framework applying the operation. */
  framework: Plain;
  /** The agent's checkpointed resources (dynamic reservations and volumes, unallocated). */
  checkpointed: readonly Resource[];
  /** Resources of live tasks and executors on the agent, per framework (unallocated). */
  used: readonly (readonly Resource[])[];
}

/**
 * `validation::operation::validate` for the operation's (upgraded, allocated) resources;
 * the master appends "; on agent …" to the message.
 */
export function operationError(
  type: ResourceOperationType,
  resources: readonly Resource[],
  ctx: OperationContext,
): string | undefined {
  switch (type) {
    case "RESERVE":
      return reserveError(resources, ctx.framework);
    case "UNRESERVE":
      return unreserveError(resources);
    case "CREATE":
      return createError(resources, ctx);
    case "DESTROY":
      return destroyError(resources, ctx);
  }
}

function reserveError(resources: readonly Resource[], framework: Plain): string | undefined {
  const invalid = masterResourcesError(resources);
  if (invalid !== undefined) return `Invalid resources: ${invalid}`;
  const principal: string | undefined = framework.principal;
  const roles = frameworkRoles(framework);
  for (const r of resources) {
    if (!isDynamicallyReserved(r)) {
      return `Resource ${stringifyResource(r)} is not dynamically reserved`;
    }
    const reservation = r.reservations![r.reservations!.length - 1]!;
    if (principal !== undefined) {
      if (reservation.principal === undefined) {
        return `A reserve operation was attempted by principal '${principal}', but there is a ` +
          "reserved resource in the request with no principal set";
      }
      if (reservation.principal !== principal) {
        return `A reserve operation was attempted by authenticated principal '${principal}', ` +
          "which does not match a reserved resource in the request with principal " +
          `'${reservation.principal}'`;
      }
    }
    const allocated = r.allocation_info?.role;
    if (allocated === undefined) {
      return `A reserve operation was attempted on unallocated resource ${
        stringifyResource(r)
      }, but frameworks can only perform reservations on allocated resources`;
    }
    const role = reservationRole(r);
    if (allocated !== role) {
      return `A reserve operation was attempted for a resource with role '${role}', but the ` +
        `resource was allocated to role '${allocated}'`;
    }
    if (!roles.includes(allocated)) {
      return `A reserve operation was attempted for a resource allocated to role '${allocated}', ` +
        `but the framework only has roles '${stringifySet(roles)}'`;
    }
    if (!roles.includes(role)) {
      return `A reserve operation was attempted for a resource with role '${role}', but the ` +
        `framework can only reserve resources with roles '${stringifySet(roles)}'`;
    }
  }
  const single = singleAllocationRoleError(resources);
  if (single !== undefined) return `Invalid reservation resources: ${single}`;
  return undefined;
}

function unreserveError(resources: readonly Resource[]): string | undefined {
  const invalid = masterResourcesError(resources);
  if (invalid !== undefined) return `Invalid resources: ${invalid}`;
  for (const r of resources) {
    if (!isDynamicallyReserved(r)) {
      return `Resource ${stringifyResource(r)} is not dynamically reserved`;
    }
    if (isPersistentVolume(r)) {
      return `A dynamically reserved persistent volume ${stringifyResource(r)} cannot be ` +
        "unreserved directly. Please destroy the persistent volume first then unreserve the " +
        "resource";
    }
  }
  return undefined;
}

function createError(volumes: readonly Resource[], ctx: OperationContext): string | undefined {
  const invalid = masterResourcesError(volumes);
  if (invalid !== undefined) return `Invalid resources: ${invalid}`;
  const notVolume = persistentVolumeError(volumes);
  if (notVolume !== undefined) return `Not a persistent volume: ${notVolume}`;
  const duplicate = uniquePersistenceIdError([...ctx.checkpointed, ...volumes]);
  if (duplicate !== undefined) return duplicate;
  const framework = ctx.framework;
  const principal: string | undefined = framework.principal;
  const sharedCapable = (framework.capabilities ?? []).some((c: Plain) =>
    c.type === "SHARED_RESOURCES"
  );
  for (const v of volumes) {
    if (v.shared !== undefined && !sharedCapable) {
      return `Create volume operation for '${stringifyResource(v)}' has been attempted by ` +
        `framework '${framework.id?.value ?? ""}' with no SHARED_RESOURCES capability`;
    }
    if (principal !== undefined) {
      const creator = v.disk?.persistence?.principal;
      if (creator === undefined) {
        return `Create volume operation attempted by principal '${principal}', but there is a ` +
          "volume in the operation with no principal set in 'disk.persistence'";
      }
      if (creator !== principal) {
        return `Create volume operation attempted by authenticated principal '${principal}', ` +
          `which does not match a volume in the operation with principal '${creator}' set in ` +
          "'disk.persistence'";
      }
    }
  }
  const single = singleAllocationRoleError(volumes);
  if (single !== undefined) return `Invalid volume resources: ${single}`;
  return undefined;
}

function destroyError(volumes: readonly Resource[], ctx: OperationContext): string | undefined {
  const unallocated = unallocate(volumes);
  const invalid = masterResourcesError(unallocated);
  if (invalid !== undefined) return `Invalid resources: ${invalid}`;
  const notVolume = persistentVolumeError(unallocated);
  if (notVolume !== undefined) return `Not a persistent volume: ${notVolume}`;
  for (const v of unallocated) {
    if (!containsResources(ctx.checkpointed, [v])) return "Persistent volumes not found";
  }
  for (const used of ctx.used) {
    for (const v of unallocated) {
      if (containsResources(unallocate(used), [v])) return "Persistent volumes in use";
    }
  }
  return undefined;
}

/** `getResourceConversions` for an operation's (upgraded) resources. */
export function conversionsOf(type: ResourceOperationType, resources: readonly Resource[]) {
  const conversions: Conversion[] = [];
  switch (type) {
    case "RESERVE": {
      const reserved = normalize(resources);
      conversions.push({ consumed: normalize(reserved.map(popReservation)), converted: reserved });
      break;
    }
    case "UNRESERVE":
      for (const r of resources) {
        conversions.push({ consumed: normalize([r]), converted: normalize([popReservation(r)]) });
      }
      break;
    case "CREATE":
      for (const v of resources) conversions.push({ consumed: [stripVolume(v)], converted: [v] });
      break;
    case "DESTROY":
      for (const v of resources) conversions.push({ consumed: [v], converted: [stripVolume(v)] });
      break;
  }
  return conversions;
}

/** The disk a volume is made of: no persistence, no volume, not shared. */
export function stripVolume(v: Resource): Resource {
  const { disk, shared: _shared, ...rest } = v;
  if (disk?.source === undefined) return rest;
  return { ...rest, disk: { source: disk.source } };
}

/**
 * `Resources::apply` of `conversions` to `resources`, one after the other; the error is
 * Mesos' "<resources> does not contain <consumed>".
 */
export function applyConversions(
  resources: readonly Resource[],
  conversions: readonly Conversion[],
): { resources: Resource[] } | { error: string } {
  let result = normalize(resources);
  for (const c of conversions) {
    if (!containsResources(result, c.consumed)) {
      return {
        error: `${stringifyResources(result)} does not contain ${
          stringifyResources(normalize(c.consumed))
        }`,
      };
    }
    result = addResources(subtractResources(result, c.consumed), c.converted);
  }
  return { resources: result };
}

/** The conversions without allocation info (to apply to an agent's total). */
export function unallocatedConversions(conversions: readonly Conversion[]): Conversion[] {
  return conversions.map((c) => ({
    consumed: unallocate(c.consumed),
    converted: unallocate(c.converted),
  }));
}

/** True when any of `offered` contains one of `volumes` (DESTROY rescinds such offers). */
export function offersVolume(offered: readonly Resource[], volumes: readonly Resource[]): boolean {
  const held = unallocate(offered);
  return unallocate(volumes).some((v) => held.some((h) => resourceContains(h, v)));
}

/**
 * Mesos' `applyCheckpointedResources`: the agent's total resources given its configured
 * (`--resources`) ones and its checkpointed dynamic reservations and volumes.
 *
 * @throws {RangeError} "Unexpected checkpointed resources …" or "Incompatible agent
 *   resources: … does not contain …", as the agent refuses to start with them.
 */
export function applyCheckpointedResources(
  resources: readonly Resource[],
  checkpointed: readonly Resource[],
): Resource[] {
  let total = normalize(resources);
  for (const r of normalize(checkpointed)) {
    if (!needCheckpointing(r)) {
      throw new RangeError(`Unexpected checkpointed resources ${stringifyResource(r)}`);
    }
    let stripped: Resource = r;
    if (isDynamicallyReserved(r)) {
      const first = r.reservations![0]!;
      stripped = { ...r };
      delete stripped.reservations;
      if (first.type === "STATIC") stripped.reservations = [first];
    }
    if (isPersistentVolume(r)) stripped = stripVolume(stripped);
    if (!containsResources(total, [stripped])) {
      throw new RangeError(
        `Incompatible agent resources: ${stringifyResources(total)} does not contain ${
          stringifyResource(stripped)
        }`,
      );
    }
    total = addResources(subtractResources(total, [stripped]), [r]);
  }
  return total;
}
