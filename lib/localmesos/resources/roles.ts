/**
 * Roles as Mesos 1.12 checks them (`roles::validate`, `roles::isStrictSubroleOf`), and
 * the roles a framework subscribed with. Pure.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";

// Whitespace (\t \n \v \f \r space) and DEL, as in Mesos' INVALID_CHARACTERS.
// deno-lint-ignore no-control-regex
const INVALID_CHARACTERS = /[\x09\x0a\x0b\x0c\x0d\x20\x7f]/;

/** Why `role` is not a valid role name (Mesos' text), or undefined. `*` is valid. */
export function roleError(role: string): string | undefined {
  if (role === "*") return undefined;
  if (role.startsWith("/")) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith("/")) return `Role '${role}' cannot end with a slash`;
  if (role.includes("//")) return `Role '${role}' cannot contain two adjacent slashes`;
  const components = role.split("/").filter((c) => c !== "");
  if (components.length === 0) return "Role names cannot be the empty string";
  for (const component of components) {
    if (component === ".") return `Role '${role}' cannot include '.' as a component`;
    if (component === "..") return `Role '${role}' cannot include '..' as a component`;
    if (component === "*") return `Role '${role}' cannot include '*' as a component`;
    if (component.startsWith("-")) {
      return `Role component '${component}' is invalid because it starts with a dash`;
    }
    if (INVALID_CHARACTERS.test(component)) {
      return `Role component '${component}' is invalid because it contains backspace or whitespace`;
    }
  }
  return undefined;
}

/** True when `left` is a descendant of `right` (`a/b` of `a`), not `right` itself. */
export function isStrictSubroleOf(left: string, right: string): boolean {
  return left.length > right.length && left[right.length] === "/" && left.startsWith(right);
}

/** True when the framework declared `capability`. */
function hasCapability(info: Plain, capability: string): boolean {
  return (info.capabilities ?? []).some((c: Plain) => c.type === capability);
}

/** The roles of a FrameworkInfo: `roles` with MULTI_ROLE, else `role` (default `*`). */
export function frameworkRoles(info: Plain): string[] {
  if (hasCapability(info, "MULTI_ROLE")) return [...(info.roles ?? [])];
  return [info.role ?? "*"];
}

/** stout's `stringify` of a set of strings: `{ a, b }` (sorted, as a std::set is). */
export function stringifySet(items: Iterable<string>): string {
  const sorted = [...new Set(items)].sort();
  return sorted.length === 0 ? "{  }" : `{ ${sorted.join(", ")} }`;
}

/**
 * Mesos' `validation::framework::internal::validateRoles`: the right field for the
 * MULTI_ROLE capability, no duplicates, valid names. Returns the ERROR event text.
 */
export function frameworkRolesError(info: Plain): string | undefined {
  const multiRole = hasCapability(info, "MULTI_ROLE");
  if (multiRole && info.role !== undefined) {
    return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  }
  if (!multiRole && (info.roles ?? []).length > 0) {
    return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  }
  if (multiRole) {
    const roles: string[] = info.roles ?? [];
    const duplicates = roles.filter((r, i) => roles.indexOf(r) !== i);
    if (duplicates.length > 0) {
      return `'FrameworkInfo.roles' contains duplicate items: ${stringifySet(duplicates)}`;
    }
    for (const role of roles) {
      const error = roleError(role);
      if (error !== undefined) return `'FrameworkInfo.roles' contains invalid role: ${error}`;
    }
    return undefined;
  }
  const error = roleError(info.role ?? "*");
  return error === undefined ? undefined : `'FrameworkInfo.role' is not a valid role: ${error}`;
}
