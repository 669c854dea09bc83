import assert from "node:assert/strict";
import { toJsonText } from "../../mesos/json_encode.ts";
import {
  asAllocated,
  formatRanges,
  parseAttributes,
  parseResources,
  resourceSummary,
} from "./resource_string.ts";

Deno.test("parseResources() reads the --resources form into AgentInfo resources (JSON as captured)", () => {
  const resources = parseResources("cpus:2;mem:2048;disk:10000;ports:[31000-31099]");
  const json = toJsonText("mesos.v1.AgentInfo", { hostname: "localhost", port: 15071, resources });
  assert.equal(
    json,
    '{"hostname":"localhost","port":15071,"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":2.0}},{"name":"mem","type":"SCALAR","scalar":{"value":2048.0}},{"name":"disk","type":"SCALAR","scalar":{"value":10000.0}},{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31099}]}}]}',
  );
});

Deno.test("parseResources() handles roles, sets, several ranges and sums repeats", () => {
  const r = parseResources("cpus(r1):1.5; cpus(r1):0.5; ports:[1-2, 5-9]; disks:{a,b}; mem(*):1");
  assert.deepEqual(r, [
    { name: "cpus", type: "SCALAR", scalar: { value: 2 }, role: "r1" },
    {
      name: "ports",
      type: "RANGES",
      ranges: { range: [{ begin: 1, end: 2 }, { begin: 5, end: 9 }] },
    },
    { name: "disks", type: "SET", set: { item: ["a", "b"] } },
    { name: "mem", type: "SCALAR", scalar: { value: 1 } },
  ]);
});

Deno.test("parseResources() names the bad entry", () => {
  assert.throws(
    () => parseResources("cpus:4;mem"),
    /resources "cpus:4;mem": expected name:value in "mem"/,
  );
  assert.throws(() => parseResources("cpus:lots"), /bad value "lots" in "cpus:lots"/);
  assert.throws(() => parseResources("ports:[9-1]"), /ends before it begins/);
});

Deno.test("parseAttributes() types numbers, ranges, sets and text", () => {
  assert.deepEqual(parseAttributes("rack:r1;zone:z2;level:3;p:[1-2];s:{a}"), [
    { name: "rack", type: "TEXT", text: { value: "r1" } },
    { name: "zone", type: "TEXT", text: { value: "z2" } },
    { name: "level", type: "SCALAR", scalar: { value: 3 } },
    { name: "p", type: "RANGES", ranges: { range: [{ begin: 1, end: 2 }] } },
    { name: "s", type: "SET", set: { item: ["a"] } },
  ]);
  assert.throws(() => parseAttributes("rack"), /bad entry "rack"/);
});

Deno.test("resourceSummary() writes Mesos' /state keys and lo-hi port ranges", () => {
  const summary = resourceSummary([
    ...parseResources("cpus:0.1;mem:32;ports:[31005-31006]"),
    ...parseResources("cpus:0.1;mem:32;ports:[31000-31000]"),
  ]);
  assert.deepEqual(Object.keys(summary), ["disk", "mem", "gpus", "cpus", "ports"]);
  assert.deepEqual(summary, {
    disk: 0,
    mem: 64,
    gpus: 0,
    cpus: 0.2,
    ports: "[31000-31000, 31005-31006]",
  });
  assert.equal(formatRanges([]), "[]");
});

Deno.test("asAllocated() swaps role for allocation_info like the agent's LAUNCH", () => {
  const [r] = asAllocated([{ name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, role: "*" }])!;
  assert.equal(
    toJsonText("mesos.v1.Resource", r!),
    '{"name":"cpus","type":"SCALAR","scalar":{"value":0.1},"allocation_info":{"role":"*"}}',
  );
});
