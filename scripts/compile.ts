/**
 * `deno task compile`: builds `dist/etcd-mesos-scheduler`, `dist/etcd-mesos-executor` and
 * `dist/etcd-mesos-proxy` with `deno compile` — self-contained executables that embed the
 * npm packages and need neither Deno nor node_modules where they run.
 *
 * `deno compile` needs the Deno runtime (`denort`) of the same version: it downloads it, or
 * uses `DENORT_BIN=/path/to/denort` (offline builds). When neither works this prints one
 * line saying so (and pointing at `deno task bundle`, the offline executor artifact) and
 * exits 1.
 *
 * Usage: `deno task compile [--out-dir=dist] [scheduler|executor|proxy ...]`
 *
 * @module
 */

/** One program to compile. */
export interface CompileTarget {
  /** Short name on the command line (`scheduler`). */
  key: string;
  /** Executable name (`etcd-mesos-scheduler`). */
  name: string;
  /** Entry module, relative to the repository root. */
  entry: string;
}

/** The three programs that ship. */
export const TARGETS: readonly CompileTarget[] = [
  { key: "scheduler", name: "etcd-mesos-scheduler", entry: "scheduler/main.ts" },
  { key: "executor", name: "etcd-mesos-executor", entry: "executor/main.ts" },
  { key: "proxy", name: "etcd-mesos-proxy", entry: "proxy/main.ts" },
];

/** A build that cannot go on; the message is one line meant for the operator. */
export class CompileError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "CompileError";
  }
}

/** The `deno` arguments that compile `target` into `outDir`. */
export function compileArgs(target: CompileTarget, root: string, outDir: string): string[] {
  return [
    "compile",
    "--allow-all",
    "--quiet",
    "--output",
    `${outDir}/${target.name}`,
    `${root}/${target.entry}`,
  ];
}

/** The hint every runtime problem ends with. */
export function runtimeHint(denoVersion: string): string {
  return `set DENORT_BIN=/path/to/denort (the denort of Deno ${denoVersion}, from ` +
    `https://dl.deno.land/release/v${denoVersion}/denort-<target>.zip) for offline builds, or ` +
    "use `deno task bundle` for the offline executor artifact (dist/etcd-mesos-executor.tar.gz)";
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The innermost "Caused by" line of a deno error, or its first error line. */
function rootCause(stderr: string): string {
  const text = stderr.replace(ANSI, "").split(/^Stack backtrace:/m)[0]!;
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l);
  const causes = lines.filter((l) => /^[0-9]+: /.test(l)).map((l) => l.replace(/^[0-9]+: /, ""));
  const error = lines.find((l) => l.startsWith("error:"))?.replace(/^error:\s*/, "");
  return causes.at(-1) ?? error ?? lines.at(-1) ?? "no output";
}

/**
 * One line explaining why `deno compile` failed, from its stderr: a runtime that could not be
 * downloaded or found gets the DENORT_BIN / `deno task bundle` hint; anything else its cause.
 */
export function explainCompileFailure(
  target: CompileTarget,
  stderr: string,
  denoVersion: string,
  denortBin?: string,
): string {
  const text = stderr.replace(ANSI, "");
  const cause = rootCause(text);
  if (/Could not find denort/i.test(text)) {
    return `Cannot compile ${target.name}: DENORT_BIN=${
      denortBin ?? ""
    } is not usable (${cause}); ` +
      runtimeHint(denoVersion);
  }
  if (/denort|dl\.deno\.land|Setting up base binary/i.test(text)) {
    return `Cannot compile ${target.name}: deno compile could not download its runtime ` +
      `(${cause}); ${runtimeHint(denoVersion)}`;
  }
  return `Cannot compile ${target.name}: ${cause}`;
}

/** Runs a command; resolves with its exit code and stderr. */
export type RunCommand = (
  cmd: string,
  args: string[],
  env: Record<string, string>,
) => Promise<{ code: number; stderr: string }>;

const runCommand: RunCommand = async (cmd, args, env) => {
  const out = await new Deno.Command(cmd, { args, env, stdout: "null", stderr: "piped" }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
};

/** Options of {@linkcode compileAll}. */
export interface CompileOptions {
  /** Repository root. */
  root: string;
  /** Output directory (created). */
  outDir: string;
  /** Which programs; default all three. */
  targets?: readonly CompileTarget[];
  /** The environment (`DENORT_BIN`); default `Deno.env`. */
  env?: Record<string, string | undefined>;
  /** Default: the running `deno`. */
  deno?: string;
  denoVersion?: string;
  run?: RunCommand;
}

/**
 * Compiles every target, one after the other; resolves with the executables' paths.
 *
 * @throws {CompileError} with a one-line explanation at the first failure.
 */
export async function compileAll(options: CompileOptions): Promise<string[]> {
  const env = options.env ?? Deno.env.toObject();
  const version = options.denoVersion ?? Deno.version.deno;
  const denort = env.DENORT_BIN;
  if (denort !== undefined && denort !== "") {
    const info = await Deno.stat(denort).catch(() => undefined);
    if (!info?.isFile) {
      throw new CompileError(
        `Cannot compile: DENORT_BIN=${denort} is not a file; ${runtimeHint(version)}`,
      );
    }
  }
  await Deno.mkdir(options.outDir, { recursive: true });
  const built: string[] = [];
  const run = options.run ?? runCommand;
  for (const target of options.targets ?? TARGETS) {
    const childEnv: Record<string, string> = { NO_COLOR: "1" };
    for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
    const { code, stderr } = await run(
      options.deno ?? Deno.execPath(),
      compileArgs(target, options.root, options.outDir),
      childEnv,
    );
    if (code !== 0) throw new CompileError(explainCompileFailure(target, stderr, version, denort));
    built.push(`${options.outDir}/${target.name}`);
  }
  return built;
}

/** Parses `[--out-dir=DIR] [scheduler|executor|proxy ...]`. */
export function parseCompileArgs(
  args: readonly string[],
  root: string,
): { outDir: string; targets: CompileTarget[] } {
  let outDir = `${root}/dist`;
  const targets: CompileTarget[] = [];
  for (const a of args) {
    const m = /^--out-dir=(.+)$/.exec(a);
    if (m) {
      outDir = m[1]!;
      continue;
    }
    const t = TARGETS.find((x) => x.key === a || x.name === a);
    if (t === undefined) {
      throw new CompileError(
        `Unknown argument ${JSON.stringify(a)}: expected --out-dir=DIR or one of ${
          TARGETS.map((x) => x.key).join(", ")
        }`,
      );
    }
    targets.push(t);
  }
  return { outDir, targets: targets.length > 0 ? targets : [...TARGETS] };
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const say = (stream: typeof Deno.stdout, line: string) =>
    stream.writeSync(new TextEncoder().encode(line + "\n"));
  try {
    const { outDir, targets } = parseCompileArgs(Deno.args, root);
    for (const path of await compileAll({ root, outDir, targets })) say(Deno.stdout, path);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    say(Deno.stderr, `compile: ${e.message}`);
    Deno.exit(1);
  }
}
