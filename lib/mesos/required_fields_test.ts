import {
  deepStrictEqual as assertEquals,
  strictEqual,
  throws as assertThrows,
} from "node:assert/strict";
import { NotInitializedError } from "./codec_errors.ts";
import { fromJsonText } from "./json_decode.ts";
import { toProtobuf } from "./protobuf_codec.ts";
import { assertInitialized, missingRequiredFields } from "./required_fields.ts";

const CALL = "mesos.v1.scheduler.Call";

Deno.test("missing required fields are reported with their paths", () => {
  const err = (() => {
    try {
      fromJsonText(CALL, '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n"}}}');
    } catch (e) {
      return e;
    }
  })();
  strictEqual(err instanceof NotInitializedError, true);
  assertEquals((err as NotInitializedError).paths, ["subscribe.framework_info.user"]);
  assertThrows(() => toProtobuf(CALL, { type: "KILL", kill: {} }), /kill\.task_id/);
});

Deno.test("missingRequiredFields() walks repeated messages with their indexes", () => {
  const offers = { offers: [{ id: { value: "o" } }, {}] };
  const missing = missingRequiredFields("mesos.v1.scheduler.Event.Offers", offers);
  strictEqual(missing.includes("offers[1].id"), true);
  strictEqual(missing.includes("offers[0].id"), false);
  assertThrows(
    () => assertInitialized("mesos.v1.scheduler.Event.Offers", offers),
    NotInitializedError,
  );
  assertInitialized(CALL, { type: "REVIVE" });
});
