import assert from "node:assert/strict";
import { double, message, writeJson } from "./json_writer.ts";

Deno.test("writeJson() writes doubles with a fraction, integers bare, skips undefined", () => {
  assert.equal(
    writeJson({ a: double(2), b: 2, c: double(0.1), d: undefined, e: [true, null, "s"] }),
    '{"a":2.0,"b":2,"c":0.1,"e":[true,null,"s"]}',
  );
});

Deno.test("message() embeds a protobuf message in Mesos JSON form", () => {
  assert.equal(
    writeJson({
      discovery: message("mesos.v1.DiscoveryInfo", { visibility: "EXTERNAL", name: "x" }),
    }),
    '{"discovery":{"visibility":"EXTERNAL","name":"x"}}',
  );
});
