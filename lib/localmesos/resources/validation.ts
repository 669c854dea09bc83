/**
 * Validation of resources with the messages of Mesos 1.12: `Resources::validate`
 * (src/common/resources.cpp: value, disk and reservation format, refinement rules) and the
 * master's `validation::resource` helpers (src/master/validation.cpp: gpus, DiskInfo,
 * persistent volumes, unique persistence ids, a single allocation role). Each function
 * returns the error text or undefined. Pure.
 *
 * @module
 */
import type { Resource } from "../../mesos/types.ts";
import { labelsText, stringifyResource } from "./format.ts";
import {
  isDynamicallyReserved,
  isPersistentVolume,
  isUnreserved,
  labelsEqual,
  reservationRole,
  roundScalar,
} from "./resources.ts";
import { isStrictSubroleOf, roleError } from "./roles.ts";

/** `Resources::validate(const Resource&)`: works on any of the three formats. */
export function resourceError(r: Resource): string | undefined {
  if (r.name === undefined || r.name === "") return "Empty resource name";
  const valueError = valueErrorOf(r);
  if (valueError !== undefined) return valueError;
  if (r.disk !== undefined) {
    if (r.name !== "disk") return `DiskInfo should not be set for ${r.name} resource`;
    const source = r.disk.source;
    if (source !== undefined) {
      if (source.type === "BLOCK" || source.type === "RAW") {
        if (source.mount !== undefined) {
          return `Mount should not be set for ${source.type} disk source`;
        }
        if (source.path !== undefined) {
          return `Path should not be set for ${source.type} disk source`;
        }
      } else if (source.type !== "PATH" && source.type !== "MOUNT") {
        return "Unsupported 'DiskInfo.Source.Type' in 'UNKNOWN'";
      }
    }
  }
  const reservationError = reservationFormatError(r);
  if (reservationError !== undefined) return reservationError;
  if (r.shared !== undefined) {
    if (r.name !== "disk") return `Resource ${r.name} cannot be shared`;
    if (r.disk?.persistence === undefined) return "Only persistent volumes can be shared";
  }
  return undefined;
}

function valueErrorOf(r: Resource): string | undefined {
  if (r.type === "SCALAR") {
    if (r.scalar === undefined || r.ranges !== undefined || r.set !== undefined) {
      return "Invalid scalar resource";
    }
    const v = Number(r.scalar.value);
    if (v !== 0 && roundScalar(v) <= 0) return "Invalid scalar resource: value <= 0";
    return undefined;
  }
  if (r.type === "RANGES") {
    if (r.scalar !== undefined || r.ranges === undefined || r.set !== undefined) {
      return "Invalid ranges resource";
    }
    const ranges = r.ranges.range ?? [];
    for (let i = 0; i < ranges.length; i++) {
      const a = ranges[i]!;
      if (Number(a.begin) > Number(a.end)) return "Invalid ranges resource: begin > end";
      for (let j = i + 1; j < ranges.length; j++) {
        const b = ranges[j]!;
        if (Number(a.begin) <= Number(b.begin) && Number(b.begin) <= Number(a.end)) {
          return "Invalid ranges resource: overlapping ranges";
        }
      }
    }
    return undefined;
  }
  if (r.type === "SET") {
    if (r.scalar !== undefined || r.ranges !== undefined || r.set === undefined) {
      return "Invalid set resource";
    }
    const items = r.set.item ?? [];
    if (new Set(items).size !== items.length) return "Invalid set resource: duplicated elements";
    return undefined;
  }
  return "Unsupported resource type";
}

function reservationFormatError(r: Resource): string | undefined {
  const stack = r.reservations ?? [];
  if (stack.length === 0) {
    const roleProblem = roleError(r.role ?? "*");
    if (roleProblem !== undefined) return roleProblem;
    if (r.reservation !== undefined) {
      if (r.reservation.type !== undefined) {
        return "'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field";
      }
      if (r.reservation.role !== undefined) {
        return "'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field";
      }
      if ((r.role ?? "*") === "*") {
        return 'Invalid reservation: role "*" cannot be dynamically reserved';
      }
    }
    return undefined;
  }
  for (const reservation of stack) {
    if (reservation.type === undefined) {
      return "Invalid reservation: 'Resource.ReservationInfo.type' field must be set.";
    }
    if (reservation.role === undefined) {
      return "Invalid reservation: 'Resource.ReservationInfo.role' field must be set.";
    }
    const roleProblem = roleError(reservation.role);
    if (roleProblem !== undefined) return roleProblem;
    if (reservation.role === "*") return 'Invalid reservation: role "*" cannot be reserved';
  }
  let ancestor = stack[0]!.role!;
  for (const reservation of stack.slice(1)) {
    if (reservation.type === "STATIC") {
      return "Invalid refined reservation: A refined reservation cannot be STATIC";
    }
    const descendant = reservation.role!;
    if (!isStrictSubroleOf(descendant, ancestor)) {
      return `Invalid refined reservation: role '${descendant}' is not a refinement of '${ancestor}'`;
    }
    ancestor = descendant;
  }
  if (stack.length === 1) {
    const reservation = stack[0]!;
    if (r.role !== undefined && r.role !== reservation.role) {
      return `Invalid resource format: 'Resource.role' field with '${r.role}' does not match the role '${reservation.role}' in 'Resource.reservations'`;
    }
    if (reservation.type === "STATIC") {
      if (r.reservation !== undefined) {
        return "Invalid resource format: 'Resource.reservation' must not be set if the single reservation in 'Resource.reservations' is STATIC";
      }
    } else if (reservation.type === "DYNAMIC") {
      if ((r.role !== undefined) !== (r.reservation !== undefined)) {
        return "Invalid resource format: 'Resource.role' and 'Resource.reservation' must either be both set or both not set if the single reservation in 'Resource.reservations' is DYNAMIC";
      }
      if (r.reservation !== undefined) {
        if ((r.reservation.principal ?? "") !== (reservation.principal ?? "")) {
          return `Invalid resource format: 'Resource.reservation.principal' field with '${
            r.reservation.principal ?? ""
          }' does not match the principal '${
            reservation.principal ?? ""
          }' in 'Resource.reservations'`;
        }
        if (!labelsEqual(r.reservation.labels, reservation.labels)) {
          return `Invalid resource format: 'Resource.reservation.labels' field with '${
            labelsText(r.reservation.labels)
          }' does not match the labels '${
            labelsText(reservation.labels)
          }' in 'Resource.reservations'`;
        }
      }
    } else {
      return "Unsupported 'Resource.ReservationInfo.Type'";
    }
  } else {
    if (r.role !== undefined) {
      return "Invalid resource format: 'Resource.role' must not be set if there is more than one reservation in 'Resource.reservations'";
    }
    if (r.reservation !== undefined) {
      return "Invalid resource format: 'Resource.reservation' must not be set if there is more than one reservation in 'Resource.reservations'";
    }
  }
  return undefined;
}

/** `Resources::validate(RepeatedPtrField)`: the first invalid resource, named. */
export function resourcesError(resources: readonly Resource[]): string | undefined {
  for (const r of resources) {
    const error = resourceError(r);
    if (error !== undefined) return `Resource '${stringifyResource(r)}' is invalid: ${error}`;
  }
  return undefined;
}

/** Mesos' `common::validation::validateID` (persistence ids use it). */
export function idError(id: string): string | undefined {
  if (id === "") return "ID must not be empty";
  if (id.length > 255) return "ID must not be greater than 255 characters";
  if (id === "." || id === "..") return `'${id}' is disallowed`;
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f/\\]/.test(id)) return `'${id}' contains invalid characters`;
  return undefined;
}

function diskInfoError(resources: readonly Resource[]): string | undefined {
  for (const r of resources) {
    if (r.disk === undefined) continue;
    if (r.disk.persistence !== undefined) {
      if (r.revocable !== undefined) {
        return "Persistent volumes cannot be created from revocable resources";
      }
      if (isUnreserved(r)) return "Persistent volumes cannot be created from unreserved resources";
      if (r.disk.volume === undefined) return "Expecting 'volume' to be set for persistent volume";
      if (r.disk.volume.host_path !== undefined) {
        return "Expecting 'host_path' to be unset for persistent volume";
      }
      const error = idError(r.disk.persistence.id ?? "");
      if (error !== undefined) return `Invalid persistence ID for persistent volume: ${error}`;
    } else if (r.disk.volume !== undefined) {
      return "Non-persistent volume not supported";
    } else if (r.disk.source === undefined) {
      return "DiskInfo is set but empty";
    }
  }
  return undefined;
}

/**
 * The master's `validation::resource::validate` of post-format resources: format, whole
 * gpus, DiskInfo, no dynamic reservation of revocable resources.
 */
export function masterResourcesError(resources: readonly Resource[]): string | undefined {
  const format = resourcesError(resources);
  if (format !== undefined) return `Invalid resources: ${format}`;
  const gpus = resources.filter((r) => r.name === "gpus" && r.type === "SCALAR")
    .reduce((s, r) => s + Number(r.scalar?.value ?? 0), 0);
  if (Math.trunc(roundScalar(gpus) * 1000) % 1000 !== 0) {
    return "Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer";
  }
  const disk = diskInfoError(resources);
  if (disk !== undefined) return `Invalid DiskInfo: ${disk}`;
  for (const r of resources) {
    if (isDynamicallyReserved(r) && r.revocable !== undefined) {
      return `Invalid ReservationInfo: Dynamically reserved resource ${
        stringifyResource(r)
      } cannot be created from revocable resources`;
    }
  }
  return undefined;
}

/** `validatePersistentVolume`: every resource is a RW persistent volume. */
export function persistentVolumeError(volumes: readonly Resource[]): string | undefined {
  for (const v of volumes) {
    if (v.disk === undefined) return `Resource ${stringifyResource(v)} does not have DiskInfo`;
    if (v.disk.persistence === undefined) return "'persistence' is not set in DiskInfo";
    if (v.disk.volume === undefined) return "Expecting 'volume' to be set for persistent volume";
    if (v.disk.volume.mode === "RO") return "Read-only persistent volume not supported";
  }
  return undefined;
}

/** `validateUniquePersistenceID`: ids are unique per reservation role. */
export function uniquePersistenceIdError(resources: readonly Resource[]): string | undefined {
  const seen = new Set<string>();
  for (const v of resources) {
    if (!isPersistentVolume(v)) continue;
    const id = v.disk!.persistence!.id;
    const key = `${reservationRole(v)}\u0000${id}`;
    if (seen.has(key)) return `Persistence ID '${id}' is not unique`;
    seen.add(key);
  }
  return undefined;
}

/** `validateAllocatedToSingleRole`. */
export function singleAllocationRoleError(resources: readonly Resource[]): string | undefined {
  let role: string | undefined;
  for (const r of resources) {
    const mine = r.allocation_info?.role;
    if (mine === undefined) return "The resources are not allocated to a role";
    if (role === undefined) role = mine;
    else if (mine !== role) {
      return `The resources have multiple allocation roles ('${mine}' and '${role}') but only one allocation role is allowed`;
    }
  }
  return undefined;
}
