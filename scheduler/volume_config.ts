/**
 * The scheduler's persistent volume flags (`--persistent-volumes`,
 * `--member-relaunch-timeout`): their specs (added to config_specs.ts), their part of the
 * configuration, and whether volumes are on once `--role` is known. Pure.
 *
 * @module
 */
import { badValue, ConfigError, type FlagSpec, parseDuration } from "../lib/flags.ts";

/** `--persistent-volumes`: `auto` turns volumes on when `--role` is not `*`. */
export type VolumeMode = "auto" | "true" | "false";

/** Persistent volumes as configured. Durations in ms. */
export interface VolumeConfig {
  mode: VolumeMode;
  /** How long a member with a volume waits to be relaunched in place before it is replaced. */
  relaunchTimeoutMs: number;
}

/** The defaults (before flags). */
export function defaultVolumeConfig(): VolumeConfig {
  return { mode: "auto", relaunchTimeoutMs: 10 * 60_000 };
}

/** Parses `--persistent-volumes`; throws naming the flag and the bad value. */
export function parseVolumeMode(flag: string, value: string): VolumeMode {
  const v = value.trim().toLowerCase();
  if (v === "auto" || v === "true" || v === "false") return v;
  throw badValue(flag, value, "auto, true or false");
}

/** The flag specs, in `--help` order. */
export function volumeFlagSpecs<C extends { volumes: VolumeConfig }>(): FlagSpec<C>[] {
  return [
    {
      name: "persistent-volumes",
      def: "auto",
      env: ["PERSISTENT_VOLUMES"],
      help:
        "keep each member's data on a Mesos persistent volume and relaunch it in place: auto (on when --role is not *), true or false",
      apply: (c, v, f) => c.volumes.mode = parseVolumeMode(f, v),
    },
    {
      name: "member-relaunch-timeout",
      def: "10m",
      env: ["MEMBER_RELAUNCH_TIMEOUT"],
      help:
        "how long a member with a volume waits for its agent to offer it back before it is replaced elsewhere",
      apply: (c, v, f) => c.volumes.relaunchTimeoutMs = parseDuration(f, v),
    },
  ];
}

/** True when members get persistent volumes under `role`. */
export function volumesOn(v: VolumeConfig, role: string): boolean {
  return v.mode === "true" || (v.mode === "auto" && role !== "*");
}

/**
 * Checks across flags: volumes need a role to reserve for.
 *
 * @throws {ConfigError} naming `--persistent-volumes` when it is `true` with role `*`.
 */
export function settleVolumeConfig(v: VolumeConfig, role: string): void {
  if (v.mode === "true" && role === "*") {
    throw new ConfigError(
      "--persistent-volumes",
      "true",
      "--persistent-volumes=true needs a --role other than * (reservations are made for a role)",
    );
  }
}
