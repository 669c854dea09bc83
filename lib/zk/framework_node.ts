/**
 * The znodes a framework keeps under its chroot: `<chroot>/<framework-name>_<suffix>`
 * (`_framework_id`, `_leader`, `_events`, `_cluster_size`, `_rolling_restart`, `_volumes`;
 * the typed records among them go through `record_store.ts`).
 *
 * @module
 */

/**
 * The node `<chroot>/<frameworkName>_<suffix>`.
 *
 * @throws {TypeError} naming a framework name that cannot be part of a node name.
 */
export function frameworkNode(chroot: string, frameworkName: string, suffix: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(frameworkName)) {
    throw new TypeError(
      `Cannot use framework name ${JSON.stringify(frameworkName)} in a ZooKeeper node name`,
    );
  }
  return `${chroot === "/" ? "" : chroot}/${frameworkName}_${suffix}`;
}
