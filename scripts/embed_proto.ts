// Embeds lib/mesos/proto/*.proto into a TypeScript module so that compiled binaries and
// bundles need no file reads at run time. Run with `deno task embed-proto` after editing
// a .proto file; `lib/mesos/proto/schema_test.ts` fails while the embedded copy is stale.
import { renderEmbeddedSchema } from "../lib/mesos/proto/embed.ts";

const dir = new URL("../lib/mesos/proto/", import.meta.url);
const out = new URL("schema_generated.ts", dir);
await Deno.writeTextFile(out, await renderEmbeddedSchema(dir));
