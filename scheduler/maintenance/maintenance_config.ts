/**
 * The scheduler's etcd maintenance flags (`--defrag-threshold`, `--defrag-min-db-size`,
 * `--auto-compaction-mode`, `--auto-compaction-retention`): their specs (added to
 * config_specs.ts), their part of the configuration, and the etcd flags they become. Pure.
 *
 * @module
 */
import { badValue, type FlagSpec, parseNumber } from "../../lib/flags.ts";

/** Maintenance as configured. */
export interface MaintenanceConfig {
  /** Defragment a member when (dbSize − inUse) / dbSize passes this (0..1; 1: never). */
  defragThreshold: number;
  /** Members whose backend is smaller than this many bytes are not defragmented for fragmentation. */
  defragMinDbBytes: number;
  /** etcd `--auto-compaction-mode`. */
  autoCompactionMode: "periodic" | "revision";
  /** etcd `--auto-compaction-retention` (`0`: no auto compaction); set by settling when not given. */
  autoCompactionRetention?: string;
}

/** The defaults (before flags). */
export function defaultMaintenanceConfig(): MaintenanceConfig {
  return {
    defragThreshold: 0.5,
    defragMinDbBytes: 64 * 1024 * 1024,
    autoCompactionMode: "periodic",
  };
}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** A size in bytes: a number with an optional unit, `B`, `KB`/`MB`/`GB` (×1000) or `KiB`/`MiB`/`GiB`. */
export function parseByteSize(flag: string, value: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = BYTE_UNITS[(m?.[2] ?? "?").toLowerCase()];
  if (m === null || unit === undefined) {
    throw badValue(flag, value, "a size like 64MiB, 100MB or 1048576");
  }
  return Math.round(Number(m[1]) * unit);
}

const PERIODIC = /^([0-9]+|([0-9]+(\.[0-9]+)?(ms|s|m|h))+)$/;

/**
 * Checks the retention against the mode once every flag is read, and picks the mode's default
 * retention when none was given (`1h` periodic, `1000` revisions).
 *
 * @throws {ConfigError} naming `--auto-compaction-retention` and its value.
 */
export function settleMaintenanceConfig(m: MaintenanceConfig): void {
  const revision = m.autoCompactionMode === "revision";
  m.autoCompactionRetention ??= revision ? "1000" : "1h";
  const ok = revision
    ? /^[0-9]+$/.test(m.autoCompactionRetention)
    : PERIODIC.test(m.autoCompactionRetention);
  if (!ok) {
    throw badValue(
      "--auto-compaction-retention",
      m.autoCompactionRetention,
      revision
        ? "a number of revisions (with --auto-compaction-mode=revision)"
        : "a duration like 1h or 30m, or a number of hours",
    );
  }
}

/** The flag specs, in `--help` order. */
export function maintenanceFlagSpecs<C extends { maintenance: MaintenanceConfig }>(): FlagSpec<
  C
>[] {
  return [
    {
      name: "defrag-threshold",
      def: "0.5",
      env: ["DEFRAG_THRESHOLD"],
      help:
        "defragment a member (one at a time, followers first) when (db size - in use) / db size passes this; 1: never",
      apply: (c, v, f) => {
        const n = parseNumber(f, v, 0, true);
        if (n > 1) throw badValue(f, v, "a fraction > 0 and <= 1");
        c.maintenance.defragThreshold = n;
      },
    },
    {
      name: "defrag-min-db-size",
      def: "64MiB",
      help: "no defragmentation for fragmentation below this db size (NOSPACE is always handled)",
      apply: (c, v, f) => c.maintenance.defragMinDbBytes = parseByteSize(f, v),
    },
    {
      name: "auto-compaction-mode",
      def: "periodic",
      help: "etcd --auto-compaction-mode of every member: periodic or revision",
      apply: (c, v, f) => {
        if (v !== "periodic" && v !== "revision") throw badValue(f, v, "periodic or revision");
        c.maintenance.autoCompactionMode = v;
      },
    },
    {
      name: "auto-compaction-retention",
      def: "1h (revision mode: 1000)",
      help:
        "etcd --auto-compaction-retention: history kept (periodic: 1h, 30m…; revision: a count; 0: off)",
      apply: (c, v, f) => {
        if (!/^[0-9a-z.]+$/i.test(v.trim())) throw badValue(f, v, "a duration or a count");
        c.maintenance.autoCompactionRetention = v.trim();
      },
    },
  ];
}

/** The etcd flags every member gets from the maintenance configuration. */
export function etcdMaintenanceArgs(m: MaintenanceConfig): string[] {
  return [
    `--auto-compaction-mode=${m.autoCompactionMode}`,
    `--auto-compaction-retention=${m.autoCompactionRetention ?? "1h"}`,
  ];
}
