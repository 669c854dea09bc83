import assert from "node:assert/strict";
import type { Offer, Resource } from "../../lib/mesos/types.ts";
import {
  attributeValue,
  fitOffer,
  pickPorts,
  placementConflict,
  scalarTotal,
} from "./placement.ts";
import { offer } from "./testing/scenario_world.ts";

const needs = { cpus: 1, memMb: 256, diskMb: 512, executorCpus: 0.1, executorMemMb: 32 };
const ports = (...ranges: [number, number][]): Resource => ({
  name: "ports",
  type: "RANGES",
  ranges: { range: ranges.map(([begin, end]) => ({ begin, end })) },
});

Deno.test("pickPorts() takes the lowest ports across ranges and resources", () => {
  const picked = pickPorts([ports([31050, 31060], [31003, 31003]), ports([31001, 31001])], 2);
  assert.deepEqual(picked.map((p) => p.port), [31001, 31003]);
});

Deno.test("pickPorts() returns fewer when the offer is short", () => {
  assert.equal(pickPorts([ports([5, 5])], 2).length, 1);
  assert.equal(pickPorts([], 2).length, 0);
});

Deno.test("fitOffer() allocates task and executor shares that add up to the needs", () => {
  const fit = fitOffer(offer(1), needs);
  assert.ok(fit.ok);
  const { taskResources, executorResources } = fit.allocation;
  assert.equal(scalarTotal(taskResources, "cpus"), 1);
  assert.equal(scalarTotal(taskResources, "mem"), 256);
  assert.equal(scalarTotal(taskResources, "disk"), 512);
  assert.equal(scalarTotal(executorResources, "cpus"), 0.1);
  assert.equal(scalarTotal(executorResources, "mem"), 32);
  const taskPorts = taskResources.filter((r) => r.name === "ports").map((r) => r.ranges?.range);
  assert.deepEqual(taskPorts, [[{ begin: 31100, end: 31100 }], [{ begin: 31101, end: 31101 }]]);
});

Deno.test("fitOffer() spreads a need over reserved and unreserved entries, keeping roles", () => {
  const o: Offer = {
    ...offer(1),
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 0.6 }, role: "etcd" },
      { name: "cpus", type: "SCALAR", scalar: { value: 2 }, role: "*" },
      { name: "mem", type: "SCALAR", scalar: { value: 1024 }, allocation_info: { role: "etcd" } },
      { name: "disk", type: "SCALAR", scalar: { value: 1024 } },
      ports([31000, 31001]),
    ],
  };
  const fit = fitOffer(o, needs);
  assert.ok(fit.ok);
  const cpus = [...fit.allocation.executorResources, ...fit.allocation.taskResources]
    .filter((r) => r.name === "cpus").map((r) => [r.role, r.scalar?.value]);
  assert.deepEqual(cpus, [["etcd", 0.1], ["etcd", 0.5], ["*", 0.5]]);
  const mem = fit.allocation.taskResources.find((r) => r.name === "mem")!;
  assert.deepEqual(mem.allocation_info, { role: "etcd" });
});

Deno.test("fitOffer() names what is short", () => {
  const fit = fitOffer(offer(1, { cpus: 1, mem: 100 }), needs);
  assert.deepEqual(fit, { ok: false, kind: "too-small", reason: "cpus 1 < 1.1, mem 100 < 288" });
  const noPorts = fitOffer(offer(1, { ports: [] }), needs);
  assert.deepEqual(noPorts, { ok: false, kind: "no-ports", reason: "0 free ports < 2" });
});

Deno.test("fitOffer() ignores revocable resources", () => {
  const o = offer(1, { cpus: 0 });
  o.resources!.push(
    { name: "cpus", type: "SCALAR", scalar: { value: 8 }, revocable: {} } as Resource,
  );
  assert.equal(fitOffer(o, needs).ok, false);
});

const placedOn = (agentId: string, hostname: string, placementValue?: string) => [
  { name: "etcd-1", agentId, hostname, placementValue },
];

Deno.test("placementConflict() by agent, hostname and attribute", () => {
  assert.match(
    placementConflict(offer(1), placedOn("a1", "x"), { kind: "agent" })!,
    /agent a1 already runs etcd-1/,
  );
  assert.equal(placementConflict(offer(1), placedOn("a2", "h1"), { kind: "agent" }), undefined);
  assert.match(placementConflict(offer(1), placedOn("a2", "h1"), { kind: "hostname" })!, /host h1/);
  const withRack: Offer = {
    ...offer(2),
    attributes: [{ name: "rack", type: "TEXT", text: { value: "r1" } }],
  };
  assert.match(
    placementConflict(withRack, placedOn("a1", "h1", "r1"), { kind: "attribute", name: "rack" })!,
    /rack=r1 already runs etcd-1/,
  );
  assert.equal(
    placementConflict(withRack, placedOn("a1", "h1", "r2"), { kind: "attribute", name: "rack" }),
    undefined,
  );
  assert.equal(placementConflict(offer(1), placedOn("a1", "h1"), { kind: "any" }), undefined);
});

Deno.test("attributeValue() reads text, scalar and set attributes", () => {
  assert.equal(
    attributeValue([{ name: "zone", type: "SCALAR", scalar: { value: 3 } }], "zone"),
    "3",
  );
  assert.equal(attributeValue([{ name: "z", type: "SET", set: { item: ["b", "a"] } }], "z"), "a,b");
  assert.equal(attributeValue([], "z"), undefined);
});
