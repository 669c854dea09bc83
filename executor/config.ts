/**
 * The executor's command line and environment, validated in one pure function.
 *
 * Flags are accepted Go-style (`-launch-timeout=60`) and GNU-style (`--launch-timeout 60`).
 * Durations are seconds (`240`), Go durations (`4m`, `1m30s`, `500ms`) or Mesos durations
 * (`5secs`, `1.5mins`).
 *
 * @module
 */
import { tokenize } from "../lib/flags.ts";
import type { Encoding } from "../lib/mesos/encoding.ts";

/**
 * Everything the executor's `main` needs besides the Mesos variables (those, including
 * the sandbox and the shutdown grace period, are read by `lib/mesos/executor_env.ts`).
 */
export interface ExecutorConfig {
  /** Restart an early-exiting etcd for this long after launch (ms). */
  launchTimeoutMs: number;
  /** Grace period of a KILL whose task has no kill policy (ms). */
  killGraceMs: number;
  /** etcd binary from `--etcd-bin` / `ETCD_BIN`; undefined means "look for it". */
  etcdBin: string | undefined;
  /** Extra flags for etcd (`--etcd-arg`, repeatable). */
  etcdArgs: string[];
  /** Encoding of the executor API. */
  encoding: Encoding;
  /** glog-style verbosity (`-v`, `VERBOSITY`). */
  verbosity: number;
  /** Log JSON lines instead of text. */
  logJson: boolean;
}

/** `--help` text. */
export const EXECUTOR_USAGE = `etcd-mesos-executor: runs one etcd member as a Mesos task.

Started by the Mesos agent (it reads the MESOS_* environment). Flags:
  --launch-timeout DURATION   restart an etcd that exits early for this long (LAUNCH_TIMEOUT; default 240s)
  --etcd-bin PATH             etcd binary (ETCD_BIN; default: etcd in the sandbox or one of its
                              subdirectories, next to the executor, then PATH)
  --kill-grace-period DURATION  SIGTERM-to-SIGKILL wait without a kill policy (default 3s)
  --etcd-arg FLAG             extra etcd flag, repeatable (e.g. --etcd-arg=--log-level=debug)
  --encoding json|protobuf    executor API encoding (default json)
  -v N                        verbosity (VERBOSITY); 1 = debug
  --log-json                  JSON log lines
  --help                      this text
`;

const MESOS_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1e3,
  mins: 60e3,
  hrs: 3600e3,
  days: 86400e3,
  weeks: 604800e3,
};
const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1e3,
  m: 60e3,
  h: 3600e3,
};

/**
 * Parses a duration into milliseconds: bare seconds, Go (`1m30s`) or Mesos (`5secs`).
 *
 * @throws {RangeError} naming `what` and the value when it is not a duration >= 0.
 */
export function parseDuration(text: string, what: string): number {
  const t = text.trim();
  const bad = () =>
    new RangeError(
      `Cannot parse ${what} ${JSON.stringify(text)}: expected a duration like 240, 4m or 5secs`,
    );
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const mesos = /^(\d+(?:\.\d+)?)(ns|us|ms|secs|mins|hrs|days|weeks)$/.exec(t);
  if (mesos) return Number(mesos[1]) * MESOS_UNITS[mesos[2]!]!;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(t)) throw bad();
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * GO_UNITS[m[2]!]!;
  }
  return total;
}

/** The executor's flags (`-h` is `--help`). */
const FLAGS = new Set([
  "launch-timeout",
  "etcd-bin",
  "kill-grace-period",
  "etcd-arg",
  "encoding",
  "v",
  "log-json",
  "help",
  "h",
]);
const BOOL_FLAGS = new Set(["log-json", "help", "h"]);

/**
 * Validates flags and environment.
 *
 * @returns the config, or `"help"` when `--help` was given.
 * @throws {TypeError|RangeError} naming the bad flag or variable and its value.
 */
export function parseExecutorConfig(
  args: readonly string[],
  env: Record<string, string | undefined>,
): ExecutorConfig | "help" {
  // lib/flags.ts rather than node:util's parseArgs: node:util costs an idle executor 1.5 MB.
  const v: Record<string, string | undefined> = {};
  const etcdArgs: string[] = [];
  try {
    for (const t of tokenize(args, (n) => FLAGS.has(n), (n) => BOOL_FLAGS.has(n))) {
      const name = t.name === "h" ? "help" : t.name;
      if (BOOL_FLAGS.has(name)) {
        if (t.value === undefined || /^true$/i.test(t.value)) v[name] = "true";
        else delete v[name];
      } else if (name === "etcd-arg") etcdArgs.push(t.value ?? "");
      else v[name] = t.value;
    }
  } catch (err) {
    throw new TypeError(`Cannot parse executor flags: ${(err as Error).message}`);
  }
  if (v.help === "true") return "help";

  const launchText = v["launch-timeout"] ?? env.LAUNCH_TIMEOUT ?? "240";
  const launchWhat = v["launch-timeout"] !== undefined ? "--launch-timeout" : "LAUNCH_TIMEOUT";
  const launchTimeoutMs = parseDuration(launchText, launchWhat);
  const killGraceMs = parseDuration(v["kill-grace-period"] ?? "3", "--kill-grace-period");
  const encoding = v.encoding ?? "json";
  if (encoding !== "json" && encoding !== "protobuf") {
    throw new TypeError(
      `Cannot use --encoding ${JSON.stringify(encoding)}: expected json or protobuf`,
    );
  }
  const vText = v.v ?? env.VERBOSITY ?? "0";
  const verbosity = Number(vText);
  if (!Number.isInteger(verbosity) || verbosity < 0) {
    throw new RangeError(`Cannot parse -v ${JSON.stringify(vText)}: expected an integer >= 0`);
  }
  const etcdBin = v["etcd-bin"] ?? (env.ETCD_BIN || undefined);
  if (etcdBin !== undefined && etcdBin.trim() === "") {
    throw new TypeError(`Cannot use --etcd-bin "": expected a path`);
  }
  return {
    launchTimeoutMs,
    killGraceMs,
    etcdBin,
    etcdArgs,
    encoding,
    verbosity,
    logJson: v["log-json"] === "true",
  };
}

/**
 * Picks the etcd binary: the explicit one, else the first executable `etcd` among
 * `searchDirs` (the sandbox, the executor's own directory), else `etcd` from PATH.
 */
export function resolveEtcdBin(
  explicit: string | undefined,
  searchDirs: readonly string[],
  isExecutable: (path: string) => boolean,
): string {
  if (explicit !== undefined) return explicit;
  for (const dir of searchDirs) {
    const candidate = `${dir.replace(/\/+$/, "")}/etcd`;
    if (isExecutable(candidate)) return candidate;
  }
  return "etcd";
}
