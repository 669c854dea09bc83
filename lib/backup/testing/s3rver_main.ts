/**
 * Test helper program: runs s3rver (an S3-compatible server from npm) on 127.0.0.1, keeping
 * its objects in the directory given as the first argument, with the buckets named after
 * it, and prints `{"port":N}` on stdout once it listens. Stops on SIGTERM or when stdin
 * closes. Started by s3_server.ts.
 *
 * @module
 */
import S3rver from "npm:s3rver@3.7.1";

const [dir, ...buckets] = Deno.args;
if (dir === undefined) {
  await Deno.stderr.write(new TextEncoder().encode("usage: s3rver_main.ts DIR [BUCKET...]\n"));
  Deno.exit(2);
}
const server = new S3rver({
  port: 0,
  address: "127.0.0.1",
  directory: dir,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});
const addr = await server.run();
await Deno.stdout.write(new TextEncoder().encode(JSON.stringify({ port: addr.port }) + "\n"));
const stop = async () => {
  await server.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
// Exit with the parent: its end of stdin closes.
for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
await stop();
