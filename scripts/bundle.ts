// `deno task bundle [--out-dir=dist]`: builds <out-dir>/etcd-mesos-executor.tar.gz offline
// (launcher + Deno runtime + bundled executor), the one URI artifact agents fetch.
import { buildArtifact } from "./artifact.ts";

const root = new URL("..", import.meta.url).pathname;
const outArg = Deno.args.find((a) => a.startsWith("--out-dir="));
const unknown = Deno.args.filter((a) => a !== outArg);
if (unknown.length > 0) {
  Deno.stderr.writeSync(
    new TextEncoder().encode(
      `bundle: unknown argument ${
        JSON.stringify(unknown[0])
      } (usage: deno task bundle [--out-dir=DIR])\n`,
    ),
  );
  Deno.exit(2);
}
const artifact = await buildArtifact({
  entry: `${root}executor/main.ts`,
  name: "etcd-mesos-executor",
  outDir: outArg?.slice("--out-dir=".length) ?? `${root}dist`,
});
Deno.stdout.writeSync(new TextEncoder().encode(`${artifact.tarball}\n`));
