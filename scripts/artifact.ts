/**
 * Builds a self-contained executor artifact offline: one `.tar.gz` holding, at its root, an
 * executable launcher `<name>`, the Deno runtime and the bundled program. The Mesos fetcher
 * fetches and extracts it as a single URI; the agent needs no Deno and no node_modules.
 */

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
exec "$HERE/deno" run --allow-all --no-config --no-lock --quiet "$HERE/${name}.js" "$@"
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
      options.entry,
      "-o",
      `${stage}/${options.name}.js`,
    ]);
    await Deno.writeTextFile(`${stage}/${options.name}`, LAUNCHER(options.name), { mode: 0o755 });
    await Deno.chmod(`${stage}/${options.name}`, 0o755);
    await Deno.copyFile(options.denoBinary ?? Deno.execPath(), `${stage}/deno`);
    await Deno.chmod(`${stage}/deno`, 0o755);
    const tarball = `${outDir}/${options.name}.tar.gz`;
    await run("tar", ["-czf", tarball, "-C", stage, options.name, `${options.name}.js`, "deno"]);
    return { tarball, launcher: options.name };
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}

async function ensureDir(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}
