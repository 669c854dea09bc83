import assert from "node:assert/strict";
import { transcriptText } from "../../../tests/fixtures/transcripts.ts";
import { masterInfoZnodeData, sortedJson } from "./election.ts";
import { makeMasterInfo, packIPv4 } from "./master_info.ts";

Deno.test("packIPv4() packs like MasterInfo.ip (127.0.0.1 is 16777343)", () => {
  assert.equal(packIPv4("127.0.0.1"), 16777343);
  assert.equal(packIPv4("10.0.0.255"), 4278190090);
  assert.throws(() => packIPv4("::1"), /Cannot pack IP address "::1"/);
  assert.throws(() => packIPv4("1.2.3.256"), RangeError);
});

Deno.test("the json.info_ znode data is byte-identical to a real master's", async () => {
  const capture = await transcriptText("zk-master-info.txt");
  const line = capture.split("\n").find((l) => l.includes('"port":15060'))!;
  const info = makeMasterInfo(
    "a3c3b049-e2fb-4d8e-9450-28a4d6696dd7",
    "127.0.0.1",
    15060,
    "localhost",
  );
  assert.equal(masterInfoZnodeData(info), line);
});

Deno.test("sortedJson() sorts keys recursively and keeps array order", () => {
  assert.equal(sortedJson({ b: [{ z: 1, a: 2 }], a: "x" }), '{"a":"x","b":[{"a":2,"z":1}]}');
});
