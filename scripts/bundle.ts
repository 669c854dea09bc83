// `deno task bundle`: builds dist/etcd-mesos-executor.tar.gz offline (launcher + Deno
// runtime + bundled executor), the one URI artifact agents fetch.
import { buildArtifact } from "./artifact.ts";

const root = new URL("..", import.meta.url).pathname;
const artifact = await buildArtifact({
  entry: `${root}executor/main.ts`,
  name: "etcd-mesos-executor",
  outDir: `${root}dist`,
});
Deno.stdout.writeSync(new TextEncoder().encode(`${artifact.tarball}\n`));
