/**
 * What agents fetch and run, from the scheduler's configuration (pure): which files the
 * artifact server serves and under which names, the URIs agents fetch, where the artifact
 * server binds, and the executor's own flags.
 *
 * @module
 */
import type { ArtifactFile } from "./artifact_server.ts";
import type { Config } from "./config.ts";
import { etcdMaintenanceArgs } from "./maintenance/maintenance_config.ts";
import { archiveSuffix, uriBaseName } from "../contract/executor_command.ts";

/** The name a local file is served under: its own name (archives keep their suffix). */
function servedName(path: string, fallback: string, flag: string): string {
  const base = uriBaseName(path);
  const name = base === "" ? fallback : base;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new TypeError(`Cannot serve ${flag} ${JSON.stringify(path)}: unusable file name`);
  }
  return name;
}

/** What the artifact server must serve, and under which names. */
export interface ArtifactPlan {
  /** Files to serve (empty: no artifact server needed). */
  files: ArtifactFile[];
  /** The flag each file comes from, for error messages. */
  flags: Record<string, string>;
  /** The URIs agents fetch, given the artifact server's URL maker. */
  uris(
    served: (name: string) => string,
  ): { executorUri: string; etcdUri: string; etcdctlUri?: string };
}

/**
 * Plans the artifacts: `--executor-uri`/`--etcd-uri` are used as given; otherwise the
 * scheduler serves `--executor-bin` (e.g. `etcd-mesos-executor.tar.gz`) and `--etcd-bin`
 * (as `etcd`, or under its archive name) itself. A plain etcd binary it serves goes with
 * `etcdctl` (the file found for `--etcdctl-bin`, when there is one), which executors need to
 * seed members from backups; an etcd archive carries its own.
 *
 * @throws {TypeError} naming the flag when a file's name cannot be served.
 */
export function artifactPlan(c: Config, etcdctl?: string): ArtifactPlan {
  const files: ArtifactFile[] = [];
  const flags: Record<string, string> = {};
  let executorName: string | undefined;
  let etcdName: string | undefined;
  let etcdctlName: string | undefined;
  if (c.executorUri === undefined) {
    executorName = servedName(c.executorBin, "etcd-mesos-executor", "--executor-bin");
    files.push({ name: executorName, path: c.executorBin });
    flags[executorName] = "--executor-bin";
  }
  if (c.etcdUri === undefined) {
    const base = uriBaseName(c.etcdBin);
    etcdName = archiveSuffix(base) ? servedName(c.etcdBin, "etcd", "--etcd-bin") : "etcd";
    if (etcdName === executorName) {
      throw new TypeError(
        `Cannot serve --etcd-bin ${JSON.stringify(c.etcdBin)}: same name as --executor-bin`,
      );
    }
    files.push({ name: etcdName, path: c.etcdBin });
    flags[etcdName] = "--etcd-bin";
    if (etcdName === "etcd" && etcdctl !== undefined) {
      etcdctlName = "etcdctl";
      files.push({ name: etcdctlName, path: etcdctl });
      flags[etcdctlName] = "--etcdctl-bin";
    }
  }
  return {
    files,
    flags,
    uris: (served) => ({
      executorUri: executorName ? served(executorName) : c.executorUri!,
      etcdUri: etcdName ? served(etcdName) : c.etcdUri!,
      ...(etcdctlName ? { etcdctlUri: served(etcdctlName) } : {}),
    }),
  };
}

/**
 * The executor's own flags: the scheduler's logging flags passed on, and the etcd flags every
 * member gets (auto-compaction) as `--etcd-arg`s.
 */
export function executorArgs(c: Config): string[] {
  return [
    ...(c.verbosity > 0 ? [`-v=${c.verbosity}`] : []),
    ...(c.logJson ? ["--log-json"] : []),
    ...etcdMaintenanceArgs(c.maintenance).map((a) => `--etcd-arg=${a}`),
  ];
}

/** Where to bind the artifact server: the advertised address when it is an IP literal. */
export function artifactBindAddress(address: string): string {
  return /^[0-9.]+$/.test(address) || address.includes(":") ? address : "0.0.0.0";
}
