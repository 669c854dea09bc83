/**
 * The three formats of a `Resource` (Mesos' `convertResourceFormat`,
 * src/common/resources_utils.cpp) and Mesos' text form of resources (`operator<<`), which
 * its error messages embed:
 *
 * - "pre-reservation-refinement": `role` (`*` when unreserved) and, for a dynamic
 *   reservation, `reservation {principal, labels}`; what frameworks without the
 *   RESERVATION_REFINEMENT capability are offered and may send;
 * - "post-reservation-refinement": only the `reservations` stack; what the master and agent
 *   keep, and what RESERVATION_REFINEMENT frameworks are offered;
 * - "endpoint": post plus the pre fields when there is at most one reservation; what the
 *   state endpoints write (`reserved_resources_full`, `unreserved_resources_full`).
 *
 * Pure.
 *
 * @module
 */
import type { Labels, Resource } from "../../mesos/types.ts";

/** Pre or endpoint format → post format (a post-format resource is returned unchanged). */
export function upgradeResource(r: Resource): Resource {
  if ((r.reservations ?? []).length > 0) {
    if (r.role === undefined && r.reservation === undefined) return r;
    const { role: _role, reservation: _reservation, ...rest } = r;
    return rest;
  }
  const { role, reservation, reservations: _empty, ...rest } = r;
  if (role === undefined || role === "*") return rest;
  const info = reservation === undefined
    ? { type: "STATIC" as const, role }
    : { ...reservation, type: "DYNAMIC" as const, role };
  return { ...rest, reservations: [info] };
}

/** Post → pre format (no `reservations`). Refined reservations cannot be downgraded. */
export function downgradeResource(r: Resource): Resource {
  const { reservations, ...rest } = r;
  const stack = reservations ?? [];
  if (stack.length > 1) {
    throw new RangeError(
      `Invalid resources downgrade: resource ${
        stringifyResource(r)
      } with refined reservations cannot be downgraded`,
    );
  }
  return { ...rest, ...preFields(stack[0]) };
}

/** Post → endpoint format (the state endpoints'). */
export function endpointResource(r: Resource): Resource {
  const stack = r.reservations ?? [];
  if (stack.length > 1) return r;
  return { ...r, ...preFields(stack[0]) };
}

function preFields(
  reservation: NonNullable<Resource["reservations"]>[number] | undefined,
): Pick<Resource, "role" | "reservation"> {
  if (reservation === undefined) return { role: "*" };
  const out: Pick<Resource, "role" | "reservation"> = { role: reservation.role ?? "" };
  if (reservation.type === "DYNAMIC") {
    out.reservation = {};
    if (reservation.principal !== undefined) out.reservation.principal = reservation.principal;
    if (reservation.labels !== undefined) out.reservation.labels = reservation.labels;
  }
  return out;
}

/**
 * Post-format resources as a framework is offered them: `allocation_info` only for
 * MULTI_ROLE frameworks; the post format for RESERVATION_REFINEMENT frameworks, else the
 * pre format (which is why an unreserved resource reads `"role":"*"` in the captures).
 */
export function offerResources(
  resources: readonly Resource[],
  framework: { multiRole: boolean; refinement: boolean; role: string },
): Resource[] {
  return resources.map((r) => {
    const { allocation_info: _a, ...rest } = r;
    const out: Resource = framework.multiRole
      ? { ...rest, allocation_info: { role: framework.role } }
      : rest;
    return framework.refinement ? out : downgradeResource(out);
  });
}

// ------------------------------------------------------------------ text form

/** Mesos' text of Labels: `{k: v, k2}`. */
export function labelsText(labels: Labels | undefined): string {
  return `{${
    (labels?.labels ?? []).map((l) => l.value === undefined ? l.key : `${l.key}: ${l.value}`)
      .join(", ")
  }}`;
}

function valueText(r: Resource): string {
  if (r.type === "SCALAR") return String(Number(r.scalar?.value ?? 0));
  if (r.type === "RANGES") {
    return `[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(", ")}]`;
  }
  if (r.type === "SET") return `{${(r.set?.item ?? []).join(", ")}}`;
  return "";
}

/**
 * Mesos' text of one resource, e.g.
 * `disk(allocated: etcd)(reservations: [(DYNAMIC,etcd,p,{k: v})])[m1:data]:1024`.
 */
export function stringifyResource(r: Resource): string {
  let out = r.name;
  if (r.allocation_info !== undefined) out += `(allocated: ${r.allocation_info.role ?? ""})`;
  const stack = r.reservations ?? [];
  if (stack.length > 0) {
    const parts = stack.map((x) => {
      let s = `${x.type ?? "UNKNOWN"},${x.role ?? ""}`;
      if (x.principal !== undefined) s += `,${x.principal}`;
      if (x.labels !== undefined) s += `,${labelsText(x.labels)}`;
      return `(${s})`;
    });
    out += `(reservations: [${parts.join(",")}])`;
  }
  if (r.disk !== undefined) {
    let disk = "";
    const source = r.disk.source;
    if (source !== undefined) {
      const root = source.type === "PATH"
        ? source.path?.root
        : source.type === "MOUNT"
        ? source.mount?.root
        : undefined;
      disk += source.type + (root !== undefined ? `:${root}` : "");
    }
    if (r.disk.persistence !== undefined) {
      if (source !== undefined) disk += ",";
      disk += r.disk.persistence.id;
    }
    const volume = r.disk.volume;
    if (volume !== undefined) {
      let v = volume.container_path;
      if (volume.host_path !== undefined) {
        v = `${volume.host_path}:${v}:${volume.mode === "RO" ? "ro" : "rw"}`;
      }
      disk += `:${v}`;
    }
    out += `[${disk}]`;
  }
  if (r.revocable !== undefined) out += "{REV}";
  if (r.shared !== undefined) out += "<SHARED>";
  return `${out}:${valueText(r)}`;
}

/** Mesos' text of a `Resources`: entries joined by `; `, `{}` when empty. */
export function stringifyResources(resources: readonly Resource[]): string {
  return resources.length === 0 ? "{}" : resources.map(stringifyResource).join("; ");
}
