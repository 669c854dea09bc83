/**
 * The project's Mesos schema, loaded once from the embedded .proto sources (no file reads
 * at run time, so it works inside compiled binaries and bundles).
 */
import protobuf from "protobufjs";
import { PROTO_SOURCES } from "./proto/schema_generated.ts";
import { PROTO_FILE_NAMES } from "./proto/embed.ts";

let root: protobuf.Root | undefined;

/** The resolved protobufjs root holding every mesos.v1.* type (field names kept snake_case). */
export function mesosRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  for (const name of PROTO_FILE_NAMES) {
    const source = PROTO_SOURCES[name];
    if (source === undefined) throw new Error(`Embedded schema lacks ${name}`);
    protobuf.parse(source, r, { keepCase: true });
  }
  r.resolveAll();
  root = r;
  return r;
}

const typeCache = new Map<string, protobuf.Type>();

/** Looks up a message type by its full name, e.g. `mesos.v1.scheduler.Call`. */
export function messageType(fullName: string): protobuf.Type {
  let t = typeCache.get(fullName);
  if (!t) {
    t = mesosRoot().lookupType(fullName);
    typeCache.set(fullName, t);
  }
  return t;
}
