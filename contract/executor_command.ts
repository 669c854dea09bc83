/**
 * How agents get and start the executor: the `CommandInfo` of the member tasks' custom
 * executor. It fetches the executor artifact (a `.tar.gz` holding the launcher, or a single
 * executable) and the etcd binary into the sandbox and runs the launcher.
 *
 * @module
 */
import type { CommandInfo, CommandURI } from "../lib/mesos/types.ts";

const ARCHIVES = [".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip"];

/** The last path segment of a URI or path (query and fragment dropped), as the fetcher names it. */
export function uriBaseName(uri: string): string {
  const path = uri.replace(/[?#].*$/, "");
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The archive suffix of `name`, if it is one the Mesos fetcher extracts. */
export function archiveSuffix(name: string): string | undefined {
  return ARCHIVES.find((s) => name.toLowerCase().endsWith(s));
}

/**
 * The launcher an executor URI provides: `etcd-mesos-executor` for
 * `.../etcd-mesos-executor.tar.gz` (the artifact holds `./<name>` at its root) or for a
 * plain executable of that name.
 *
 * @throws {TypeError} naming the URI when no name can be derived from it.
 */
export function launcherName(executorUri: string): string {
  const base = uriBaseName(executorUri);
  const suffix = archiveSuffix(base);
  const name = suffix ? base.slice(0, -suffix.length) : base;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new TypeError(
      `Cannot derive the executor launcher from ${JSON.stringify(executorUri)}: ` +
        "expected a URI ending in <name>.tar.gz or <name>",
    );
  }
  return name;
}

/** Quotes one word for `sh -c`. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Where the executor and etcd come from, and the executor's own flags. */
export interface ExecutorCommandOptions {
  /** The executor artifact (`.tar.gz` extracted in the sandbox) or executable. */
  executorUri: string;
  /** The etcd binary (made executable as `./etcd`), or an archive holding it. */
  etcdUri: string;
  /**
   * etcdctl (made executable as `./etcdctl`), when served: the executor restores snapshots
   * with it, and an agent need not have one installed.
   */
  etcdctlUri?: string;
  /** Extra executor flags, e.g. `["-v=1"]`. */
  args?: readonly string[];
}

/**
 * The URI entry of the executor artifact. Both URIs are cached by the agent's fetcher: a
 * relaunch on an agent downloads nothing (a served artifact's URI names its version).
 */
function executorFetch(uri: string): CommandURI {
  return archiveSuffix(uriBaseName(uri))
    ? { value: uri, executable: false, extract: true, cache: true }
    : { value: uri, executable: true, extract: false, cache: true };
}

/** The URI entry of etcd: a plain binary lands as `./etcd`, an archive is extracted. */
function etcdFetch(uri: string): CommandURI {
  return archiveSuffix(uriBaseName(uri))
    ? { value: uri, executable: false, extract: true, cache: true }
    : { value: uri, executable: true, extract: false, cache: true, output_file: "etcd" };
}

/**
 * The executor's command: fetch both URIs, then `exec ./<launcher> <args>` in the sandbox
 * (through the shell, as Mesos runs it; `exec` lets the agent's signals reach the executor).
 */
export function executorCommand(options: ExecutorCommandOptions): CommandInfo {
  const launcher = launcherName(options.executorUri);
  const words = [`./${launcher}`, ...(options.args ?? [])].map(shellQuote);
  return {
    uris: [
      executorFetch(options.executorUri),
      etcdFetch(options.etcdUri),
      ...(options.etcdctlUri === undefined ? [] : [
        {
          value: options.etcdctlUri,
          executable: true,
          extract: false,
          cache: true,
          output_file: "etcdctl",
        },
      ]),
    ],
    shell: true,
    value: `exec ${words.join(" ")}`,
  };
}
