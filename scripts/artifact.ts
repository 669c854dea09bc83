/**
 * Builds a self-contained executor artifact offline: one `.tar.gz` holding, at its root, an
 * executable launcher `<name>`, the Deno runtime and the bundled program. The Mesos fetcher
 * fetches and extracts it as a single URI; the agent needs no Deno and no node_modules.
 *
 * The program is kept lean for a process that mostly idles next to its etcd: the bundle is
 * minified and split (code loaded only with TLS stays in its own file until then), its entry
 * runs as a script (see `artifact_script.ts`), and V8 runs without its optimizing compiler
 * and with small heap limits ({@linkcode EXECUTOR_V8_FLAGS}).
 */
import { essentialRequires, scriptedEntry, withoutNodeRequire } from "./artifact_script.ts";

/**
 * V8 flags of the executor: no JIT and no helper threads (`--jitless`, `--single-threaded`:
 * its code is never hot and it needs no WebAssembly), memory before speed, and small heaps
 * (it holds a few MB; 32 MB of old space leaves room).
 */
export const EXECUTOR_V8_FLAGS =
  "--jitless,--single-threaded,--optimize-for-size,--max-old-space-size=32,--max-semi-space-size=1";

/** What `buildArtifact` produced. */
export interface Artifact {
  /** Absolute path of the `.tar.gz`. */
  tarball: string;
  /** Name of the launcher inside it (run as `./<name>` in the sandbox). */
  launcher: string;
}

/** Options of {@link buildArtifact}. */
export interface BuildArtifactOptions {
  /** Entry module to bundle, e.g. `executor/main.ts`. */
  entry: string;
  /** Launcher name, e.g. `etcd-mesos-executor`. */
  name: string;
  /** Directory to write `<name>.tar.gz` into (created). */
  outDir: string;
  /** Deno binary to ship; defaults to the one running this script. */
  denoBinary?: string;
}

const LAUNCHER = (name: string) =>
  `#!/bin/sh
# ${name}: launcher of the bundled program (built by scripts/artifact.ts).
# Agents give executors no HOME, so keep Deno's cache inside the sandbox.
HERE=$(cd "$(dirname "$0")" && pwd)
export DENO_DIR="\${DENO_DIR:-$HERE/.deno}"
export DENO_NO_UPDATE_CHECK=1
# One malloc arena: the executor mostly idles, and each extra arena keeps memory; freed memory
# goes back to the system sooner (trim and mmap thresholds at 64 KiB: about 1.5 MB less RSS
# idle in deno task bench). No V8 code
# cache: making one in a fresh sandbox's DENO_DIR keeps about 2 MB, and it is never reused.
export MALLOC_ARENA_MAX=1
export MALLOC_TRIM_THRESHOLD_=65536 MALLOC_MMAP_THRESHOLD_=65536
exec "$HERE/deno" run --allow-all --no-config --no-lock --quiet --no-code-cache \\
  --v8-flags=${EXECUTOR_V8_FLAGS} "$HERE/${name}.js" "$@"
`;

async function run(cmd: string, args: string[], cwd?: string) {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${out.code}): ${err}`);
  }
}

/** Bundles `entry` and packs it with the runtime and a launcher into `<outDir>/<name>.tar.gz`. */
export async function buildArtifact(options: BuildArtifactOptions): Promise<Artifact> {
  const outDir = await Deno.realPath(await ensureDir(options.outDir));
  const stage = await Deno.makeTempDir({ dir: outDir, prefix: `.${options.name}-` });
  try {
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--minify",
      "--code-splitting",
      options.entry,
      "--outdir",
      stage,
    ]);
    await scriptEntry(stage, options);
    await Deno.writeTextFile(`${stage}/${options.name}`, LAUNCHER(options.name), { mode: 0o755 });
    await Deno.chmod(`${stage}/${options.name}`, 0o755);
    await Deno.copyFile(options.denoBinary ?? Deno.execPath(), `${stage}/deno`);
    await Deno.chmod(`${stage}/deno`, 0o755);
    const tarball = `${outDir}/${options.name}.tar.gz`;
    const files = [...Deno.readDirSync(stage)].map((e) => e.name).sort();
    await run("tar", ["-czf", tarball, "-C", stage, ...files]);
    return { tarball, launcher: options.name };
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

/**
 * Replaces the bundle's entry module (`<entry stem>.js`) by `<name>.script.js` and its loader
 * `<name>.js`, and checks that the script compiles.
 */
async function scriptEntry(stage: string, options: BuildArtifactOptions): Promise<void> {
  const stem = options.entry.slice(options.entry.lastIndexOf("/") + 1).replace(/\.[jt]sx?$/, "");
  const bundled = `${stage}/${stem}.js`;
  const scriptFile = `${options.name}.script.js`;
  const { script, loader } = scriptedEntry(await Deno.readTextFile(bundled), scriptFile);
  const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
  try {
    new AsyncFunction("__meta", "__deps", "__import", script); // compiles only, runs nothing
  } catch (e) {
    throw new Error(`The scripted entry of ${options.entry} does not compile: ${e}`);
  }
  await Deno.remove(bundled);
  await Deno.writeTextFile(`${stage}/${scriptFile}`, script);
  await Deno.writeTextFile(`${stage}/${options.name}.js`, loader);
  const paths = [...Deno.readDirSync(stage)].filter((e) => e.name.endsWith(".js"))
    .map((e) => `${stage}/${e.name}`);
  const texts = await Promise.all(paths.map((p) => Deno.readTextFile(p)));
  const essential = essentialRequires(texts);
  if (essential.length > 0) {
    const why = `the executor keeps Node's require: it requires ${essential.join(", ")}\n`;
    Deno.stderr.writeSync(new TextEncoder().encode(why));
    return;
  }
  for (const [i, path] of paths.entries()) {
    await Deno.writeTextFile(path, withoutNodeRequire(texts[i]!));
  }
}

async function ensureDir(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}
